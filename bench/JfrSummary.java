import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Summarises a JFR recording of a server under load (JDK single-file launcher, no
 * dependencies): the share of execution samples whose stack holds a frame of a given
 * package prefix (inclusive), the hottest such frames, the hottest top frames, and
 * allocations (weight of jdk.ObjectAllocationSample) made under that prefix, by class and
 * by the allocating frame of the prefix.
 *
 * java bench/JfrSummary.java recording.jfr [prefix=io.github.connectionhandling] [top=25]
 */
public class JfrSummary {

	public static void main(String[] args) throws Exception {
		Path file = Path.of(args[0]);
		String prefix = (args.length > 1) ? args[1] : "io.github.connectionhandling";
		int top = (args.length > 2) ? Integer.parseInt(args[2]) : 25;
		List<RecordedEvent> events = RecordingFile.readAllEvents(file);
		int samples = 0;
		int withPrefix = 0;
		Map<String, Integer> inclusive = new HashMap<>();
		Map<String, Integer> self = new HashMap<>();
		Map<String, Integer> selfUnderPrefix = new HashMap<>();
		Map<String, Integer> innermost = new HashMap<>();
		Map<String, Integer> threads = new HashMap<>();
		Map<String, Long> allocByClass = new HashMap<>();
		Map<String, Long> allocBySite = new HashMap<>();
		long allocTotal = 0;
		long allocPrefix = 0;
		for (RecordedEvent event : events) {
			String type = event.getEventType().getName();
			RecordedStackTrace stack = event.getStackTrace();
			if (stack == null) {
				continue;
			}
			if (type.equals("jdk.ExecutionSample")) {
				samples++;
				threads.merge(event.getThread("sampledThread").getJavaName().replaceAll("\\d+$", "N"), 1, Integer::sum);
				List<RecordedFrame> frames = stack.getFrames();
				if (!frames.isEmpty()) {
					self.merge(name(frames.get(0)), 1, Integer::sum);
				}
				Set<String> seen = new HashSet<>();
				boolean hit = false;
				for (RecordedFrame frame : frames) {
					String name = name(frame);
					if (name.startsWith(prefix)) {
						hit = true;
						if (seen.add(name)) {
							inclusive.merge(name, 1, Integer::sum);
						}
					}
				}
				if (hit) {
					for (int i = 0; i < frames.size(); i++) {
						String name = name(frames.get(i));
						if (name.startsWith(prefix)) {
							String callee = (i > 0) ? name(frames.get(i - 1)) : "(self)";
							innermost.merge(name + " -> " + callee, 1, Integer::sum);
							break;
						}
					}
					withPrefix++;
					if (!frames.isEmpty()) {
						selfUnderPrefix.merge(name(frames.get(0)), 1, Integer::sum);
					}
				}
			}
			else if (type.equals("jdk.ObjectAllocationSample")) {
				long weight = event.getLong("weight");
				allocTotal += weight;
				String site = null;
				for (RecordedFrame frame : stack.getFrames()) {
					String name = name(frame);
					if (name.startsWith(prefix)) {
						site = name + ":" + frame.getLineNumber();
						break;
					}
				}
				if (site != null) {
					allocPrefix += weight;
					String cls = event.getClass("objectClass").getName();
					allocByClass.merge(cls, weight, Long::sum);
					allocBySite.merge(site + " " + cls, weight, Long::sum);
				}
			}
		}
		System.out.printf("%d execution samples, %d (%.1f %%) with a frame of %s%n", samples, withPrefix,
				100.0 * withPrefix / Math.max(1, samples), prefix);
		print("threads (digits at the end replaced by N)", threads, samples, top);
		print("inclusive (samples whose stack holds the frame)", inclusive, samples, top);
		print("innermost frame of the prefix -> its callee (what the prefix's code spends itself, or hands on)",
				innermost, samples, top);
		print("top frames of samples under the prefix", selfUnderPrefix, samples, top);
		print("top frames of all samples", self, samples, top);
		System.out.printf("%nallocation weight: %d MB in all, %d MB (%.1f %%) under %s%n", allocTotal >> 20,
				allocPrefix >> 20, 100.0 * allocPrefix / Math.max(1, allocTotal), prefix);
		printLong("by class", allocByClass, allocTotal, top);
		printLong("by allocating frame under the prefix", allocBySite, allocTotal, top);
	}

	private static String name(RecordedFrame frame) {
		return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
	}

	private static void print(String title, Map<String, Integer> counts, int total, int top) {
		System.out.println();
		System.out.println(title + ":");
		counts.entrySet()
			.stream()
			.sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
			.limit(top)
			.forEach((e) -> System.out.printf("  %5.1f %%  %s%n", 100.0 * e.getValue() / Math.max(1, total), e.getKey()));
	}

	private static void printLong(String title, Map<String, Long> counts, long total, int top) {
		System.out.println();
		System.out.println(title + ":");
		counts.entrySet()
			.stream()
			.sorted(Map.Entry.<String, Long>comparingByValue().reversed())
			.limit(top)
			.forEach((e) -> System.out.printf("  %5.1f %%  %s%n", 100.0 * e.getValue() / Math.max(1, total), e.getKey()));
	}

}
