package io.github.connectionhandling.it.integration;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.it.Events;

import org.springframework.scheduling.annotation.Async;

/**
 * {@code @Async} methods run by the auto-configured task executor.
 */
public class AsyncWork {

	private final Events events;

	public AsyncWork(Events events) {
		this.events = events;
	}

	@Async
	public CompletableFuture<String> sleep(String tag, ConnectionStatus caller, long millis) {
		ConnectionStatus current;
		try {
			current = ConnectionStatus.current();
		}
		catch (IllegalStateException ex) {
			this.events.add(tag, "task-no-status");
			return CompletableFuture.completedFuture("no status");
		}
		this.events.add(tag, "task-started:same=" + (current == caller));
		try {
			Thread.sleep(millis);
			this.events.add(tag, "task-slept");
		}
		catch (InterruptedException ex) {
			this.events.add(tag, "task-interrupted:" + current.bits());
		}
		return CompletableFuture.completedFuture("done");
	}

	@Async
	public Future<String> record(String tag) {
		this.events.add(tag, "queued-task-ran");
		return CompletableFuture.completedFuture("ran");
	}

}
