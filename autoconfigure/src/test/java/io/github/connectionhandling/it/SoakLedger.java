package io.github.connectionhandling.it;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.connectionhandling.ConnectionStatus;
import io.github.connectionhandling.request.LifecycleParticipant;
import io.github.connectionhandling.request.RequestHandle;

/**
 * What happened to each soak request, in counters small enough for 100k requests: how
 * often its handler started, its close callbacks and shutdown functions ran, with which
 * bits, and whether a thread working for it saw an interrupt it had not earned.
 */
public class SoakLedger implements LifecycleParticipant {

	private final Map<String, Entry> entries = new ConcurrentHashMap<>();

	public Entry of(String tag) {
		return this.entries.computeIfAbsent(tag, (t) -> new Entry());
	}

	public Entry find(String tag) {
		return this.entries.get(tag);
	}

	public boolean started(String tag) {
		Entry entry = this.entries.get(tag);
		return entry != null && entry.started.get() > 0;
	}

	public Map<String, Entry> all() {
		return this.entries;
	}

	public void clear() {
		this.entries.clear();
	}

	/** Note what signalled each tagged request, for the report of what went wrong. */
	@Override
	public void signalled(RequestHandle handle, int bit, String reason) {
		String tag = tagOf(handle.getInfo().query());
		if (tag != null) {
			Entry entry = of(tag);
			entry.signals = entry.signals + bit + "/" + reason + "@" + handle.getElapsed().toMillis() + "ms"
					+ (handle.isResponded() ? "(complete)" : "") + " ";
		}
	}

	@Override
	public void finished(RequestHandle handle) {
		String tag = tagOf(handle.getInfo().query());
		if (tag != null && !handle.isResponded()) {
			Entry entry = of(tag);
			entry.signals = entry.signals + "finished-incomplete ";
		}
	}

	static String tagOf(String query) {
		if (query != null) {
			for (String pair : query.split("&")) {
				if (pair.startsWith("tag=")) {
					return pair.substring(4);
				}
			}
		}
		return null;
	}

	/** Register the callbacks whose runs are counted. */
	public Entry track(ConnectionStatus status, String tag) {
		Entry entry = of(tag);
		entry.started.incrementAndGet();
		status.onClose((s) -> {
			entry.closeBits = s.bits();
			entry.closes.incrementAndGet();
		});
		status.onShutdown((s) -> {
			entry.shutdownBits = s.bits();
			entry.shutdowns.incrementAndGet();
		});
		return entry;
	}

	public static final class Entry {

		public final AtomicInteger started = new AtomicInteger();

		public final AtomicInteger closes = new AtomicInteger();

		public final AtomicInteger shutdowns = new AtomicInteger();

		/** Runs of a close callback registered after the abort. */
		public final AtomicInteger lateCloses = new AtomicInteger();

		/** Interrupts seen by a thread whose request was neither aborted nor timed out. */
		public final AtomicInteger unearnedInterrupts = new AtomicInteger();

		public volatile int closeBits = -1;

		public volatile int shutdownBits = -1;

		/** What the handler noted, e.g. that it ran to its end. */
		public volatile String note = "";

		/** The bits signalled, by whom, when. */
		public volatile String signals = "";

		@Override
		public String toString() {
			return "started=" + this.started + " closes=" + this.closes + "(bits " + this.closeBits + ") shutdowns="
					+ this.shutdowns + "(bits " + this.shutdownBits + ") unearnedInterrupts="
					+ this.unearnedInterrupts + " note=" + this.note + " signals=" + this.signals;
		}

	}

}
