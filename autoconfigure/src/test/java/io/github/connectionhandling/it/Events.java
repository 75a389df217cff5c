package io.github.connectionhandling.it;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What happened to each tagged request, in order, as the scenario endpoints record it.
 */
public class Events {

	private final Map<String, List<String>> events = new ConcurrentHashMap<>();

	private final Map<String, Long> nanos = new ConcurrentHashMap<>();

	public void add(String tag, String event) {
		this.events.computeIfAbsent(tag, (t) -> new CopyOnWriteArrayList<>()).add(event);
		this.nanos.putIfAbsent(tag + "/" + event, System.nanoTime());
	}

	public List<String> of(String tag) {
		return List.copyOf(this.events.getOrDefault(tag, List.of()));
	}

	public long count(String tag, String event) {
		return of(tag).stream().filter(event::equals).count();
	}

	public boolean has(String tag, String event) {
		return of(tag).contains(event);
	}

	public Long nanosOf(String tag, String event) {
		return this.nanos.get(tag + "/" + event);
	}

	public void clear() {
		this.events.clear();
		this.nanos.clear();
	}

}
