import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Compares async-profiler's collapsed stacks of the enabled and the disabled app
 * (bench/profile.sh), per 1,000 requests, so that the two sides' figures are comparable
 * whatever each served:
 * <ul>
 * <li>all samples;</li>
 * <li>by owner: each sample goes to the innermost frame that is not the JDK's (a JDK
 * method does the work of whoever called it): the starter
 * ({@code io/github/connectionhandling}, the sample app excluded), Spring, the container,
 * Micrometer, other; and whether the thread is a request thread;</li>
 * <li>the starter's frames that own samples, on each side;</li>
 * <li>the innermost frames that differ most.</li>
 * </ul>
 * Two JVMs compile shared code differently: a frame of Jetty or Spring that differs by a
 * few samples may be an inlining decision, not work (see bench/README.md). The starter's
 * own frames, present on one side only, are what it adds.
 *
 * java bench/ProfileDiff.java directory rounds
 */
public class ProfileDiff {

	private static final String STARTER = "io/github/connectionhandling/";

	private static final String SAMPLE = "io/github/connectionhandling/sample/";

	public static void main(String[] args) throws IOException {
		Path dir = Path.of(args[0]);
		int rounds = Integer.parseInt(args[1]);
		Map<String, Side> sides = new TreeMap<>();
		for (String side : List.of("on", "off")) {
			Side result = new Side();
			for (int round = 1; round <= rounds; round++) {
				result.requests += requests(dir.resolve("wrk-" + side + "-" + round + ".txt"));
				for (String line : Files.readAllLines(dir.resolve(side + "-" + round + ".collapsed"))) {
					int space = line.lastIndexOf(' ');
					result.add(line.substring(0, space).split(";"), Long.parseLong(line.substring(space + 1)));
				}
			}
			sides.put(side, result);
		}
		Side on = sides.get("on");
		Side off = sides.get("off");
		System.out.printf("samples per 1,000 requests: enabled %.2f, disabled %.2f (%+.1f %%)%n", on.per(on.total),
				off.per(off.total), 100.0 * (on.per(on.total) / off.per(off.total) - 1));
		System.out.println();
		System.out.println("by owner (innermost frame not the JDK's), per 1,000 requests:");
		table(on.byOwner, off.byOwner, on, off, 20, false);
		System.out.println();
		System.out.println("the starter's frames that own samples, per 1,000 requests:");
		table(on.starter, off.starter, on, off, 30, false);
		System.out.println();
		System.out.println("innermost frames that differ most, per 1,000 requests:");
		table(on.leaf, off.leaf, on, off, 15, true);
	}

	private static long requests(Path wrk) throws IOException {
		for (String line : Files.readAllLines(wrk)) {
			if (line.contains(" requests in ")) {
				return Long.parseLong(line.trim().split(" ")[0]);
			}
		}
		throw new IllegalStateException("no request count in " + wrk);
	}

	private static void table(Map<String, Long> onCounts, Map<String, Long> offCounts, Side on, Side off, int top,
			boolean bothEnds) {
		Set<String> keys = new HashSet<>(onCounts.keySet());
		keys.addAll(offCounts.keySet());
		List<String> sorted = new ArrayList<>(keys);
		sorted.sort((a, b) -> Double.compare(diff(b, onCounts, offCounts, on, off), diff(a, onCounts, offCounts, on, off)));
		List<String> shown = new ArrayList<>(sorted.subList(0, Math.min(top, sorted.size())));
		if (bothEnds) {
			for (int i = Math.max(top, sorted.size() - top); i < sorted.size(); i++) {
				shown.add(sorted.get(i));
			}
		}
		System.out.printf("  %9s %9s %8s  %s%n", "enabled", "disabled", "diff", "frame");
		for (String key : shown) {
			double a = on.per(onCounts.getOrDefault(key, 0L));
			double b = off.per(offCounts.getOrDefault(key, 0L));
			System.out.printf("  %9.2f %9.2f %+8.2f  %s%n", a, b, a - b, key);
		}
	}

	private static double diff(String key, Map<String, Long> onCounts, Map<String, Long> offCounts, Side on, Side off) {
		return on.per(onCounts.getOrDefault(key, 0L)) - off.per(offCounts.getOrDefault(key, 0L));
	}

	private static String owner(String frame) {
		if (frame.startsWith(SAMPLE)) {
			return "sample app";
		}
		if (frame.startsWith(STARTER)) {
			return "starter";
		}
		if (frame.startsWith("java/") || frame.startsWith("jdk/") || frame.startsWith("sun/")
				|| frame.startsWith("javax/") || !frame.contains("/")) {
			return null; // the JDK's, or native: billed to the caller
		}
		if (frame.startsWith("org/springframework/")) {
			return "Spring";
		}
		if (frame.startsWith("org/eclipse/jetty/") || frame.startsWith("org/apache/")) {
			return "container";
		}
		if (frame.startsWith("io/micrometer/")) {
			return "Micrometer";
		}
		return "other Java";
	}

	private static String clean(String frame) {
		return frame.endsWith("]") && frame.length() > 4 && frame.charAt(frame.length() - 4) == '_'
				? frame.substring(0, frame.length() - 4) : frame;
	}

	private static final class Side {

		long requests;

		long total;

		final Map<String, Long> byOwner = new HashMap<>();

		final Map<String, Long> starter = new HashMap<>();

		final Map<String, Long> leaf = new HashMap<>();

		void add(String[] frames, long samples) {
			this.total += samples;
			boolean requestThread = false;
			for (int i = 0; i < Math.min(frames.length, 6); i++) {
				if (frames[i].contains("QueuedThreadPool") || frames[i].contains("org/apache/tomcat/util/threads")) {
					requestThread = true;
				}
			}
			String owner = null;
			for (int i = frames.length - 1; i >= 0 && owner == null; i--) {
				String frame = clean(frames[i]);
				owner = owner(frame);
				if ("starter".equals(owner)) {
					this.starter.merge(frame, samples, Long::sum);
				}
			}
			String key = (requestThread ? "request threads: " : "other threads: ") + ((owner != null) ? owner : "JDK, native");
			this.byOwner.merge(key, samples, Long::sum);
			this.leaf.merge(clean(frames[frames.length - 1]), samples, Long::sum);
		}

		double per(long samples) {
			return samples * 1000.0 / this.requests;
		}

	}

}
