package io.github.connectionhandling.integration.task;

import java.util.concurrent.Future;

import io.github.connectionhandling.request.CurrentRequest;
import io.github.connectionhandling.request.RequestHandle;
import io.github.connectionhandling.request.StopAction;
import org.jspecify.annotations.Nullable;

import org.springframework.core.task.TaskDecorator;

/**
 * Makes a task submitted on behalf of a request work for that request: it runs bound to
 * the request ({@code ConnectionStatus.current()} works in it, and its thread is
 * interrupted when the request is stopped), and when the request is stopped before the
 * task started, the task is cancelled.
 * <p>
 * A task that is a {@link Future} (what {@code submit} and {@code @Async} methods
 * returning {@code void} or {@code Future} hand to the executor) is cancelled outright:
 * its submitter sees a cancellation and its body never runs. Any other task (such as the
 * one behind an {@code @Async} method returning {@code CompletableFuture}) is still run,
 * so that whoever waits for it is answered, but with its thread interrupted and its status
 * stopped, so that its first blocking call or {@code checkpoint()} ends it.
 * <p>
 * Tasks submitted by threads that work for no request are returned as they are.
 */
public final class RequestTaskDecorator implements TaskDecorator {

	@Override
	public Runnable decorate(Runnable runnable) {
		RequestHandle handle = CurrentRequest.handle();
		if (handle == null || handle.isFinished()) {
			return runnable;
		}
		RequestTask task = new RequestTask(handle, runnable);
		handle.addStopAction(task);
		return task;
	}

	private static final class RequestTask implements Runnable, StopAction {

		private final RequestHandle handle;

		// Cleared once run: the request keeps its stop actions until it ends.
		private volatile @Nullable Runnable delegate;

		private volatile boolean started;

		RequestTask(RequestHandle handle, Runnable delegate) {
			this.handle = handle;
			this.delegate = delegate;
		}

		@Override
		public void stop(int bits) {
			// A running task is stopped by the interrupt of its (worker) thread.
			if (!this.started && this.delegate instanceof Future<?> future) {
				future.cancel(false);
			}
		}

		@Override
		public void run() {
			Runnable delegate = this.delegate;
			this.started = true;
			if (delegate == null) {
				return;
			}
			boolean selfInterrupted = false;
			try (CurrentRequest.Binding binding = CurrentRequest.bind(this.handle)) {
				if (this.handle.isStopped()) {
					// Stopped before it started: the request no longer takes workers, so
					// the interrupt that stops the task is ours to set (and to clear).
					if (delegate instanceof Future<?> future) {
						future.cancel(false);
					}
					Thread.currentThread().interrupt();
					selfInterrupted = true;
				}
				delegate.run();
			}
			finally {
				this.delegate = null;
				if (selfInterrupted) {
					Thread.interrupted();
				}
			}
		}

	}

}
