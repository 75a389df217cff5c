import java.util.Arrays;

/**
 * How steady this machine is right now: a fixed loop of random reads over a cache-sized and
 * a memory-sized array, counted per second. On a quiet machine the per-second counts agree
 * within a few per cent; a busy neighbour on the same host (a shared core, cache or memory
 * bus) shows as a wide spread, and then no benchmark here can resolve a 1 % difference.
 *
 * <pre>java bench/MachineNoise.java [seconds per size=6]</pre>
 *
 * Run it pinned to the CPU a benchmark uses ({@code taskset -c 1 java bench/MachineNoise.java}).
 */
public class MachineNoise {

	public static void main(String[] args) {
		int seconds = (args.length > 0) ? Integer.parseInt(args[0]) : 6;
		StringBuilder line = new StringBuilder();
		for (int megabytes : new int[] { 1, 64 }) {
			long[] rates = rates(megabytes, seconds);
			// The first second warms the JIT and the caches.
			long[] measured = Arrays.copyOfRange(rates, 1, rates.length);
			Arrays.sort(measured);
			long min = measured[0];
			long max = measured[measured.length - 1];
			long median = measured[measured.length / 2];
			line.append(String.format("%s%d MB: %d-%d per s, spread %.0f %%", (line.length() > 0) ? "; " : "",
					megabytes, min, max, 100.0 * (max - min) / median));
		}
		System.out.println(line);
	}

	private static long[] rates(int megabytes, int seconds) {
		long[] data = new long[megabytes * 1024 * 1024 / Long.BYTES];
		int mask = data.length - 1;
		long[] rates = new long[seconds];
		int index = 1;
		for (int second = 0; second < seconds; second++) {
			long end = System.nanoTime() + 1_000_000_000L;
			long chunks = 0;
			while (System.nanoTime() < end) {
				for (int i = 0; i < 10_000; i++) {
					index = (int) ((index * 1103515245L + 12345) & mask);
					data[index]++;
				}
				chunks++;
			}
			rates[second] = chunks;
		}
		return rates;
	}

}
