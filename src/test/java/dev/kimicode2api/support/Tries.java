package dev.kimicode2api.support;

import java.util.SplittableRandom;
import java.util.function.Function;

/**
 * Properties tried on generated inputs: each try draws its input from its own seed, derived from one fixed seed, so a
 * run is the same every time and a failure names the seed that replays it alone. The number of tries is the test's
 * own times {@code -Dkimicode.tries.factor} (1 by default); {@code -Dkimicode.tries.seed} starts from another seed
 * and {@code -Dkimicode.tries.replay=<try seed>} runs only the try a failure named.
 */
public final class Tries {

	public static final long SEED = Long.getLong("kimicode.tries.seed", 24L);

	private static final double FACTOR = Double.parseDouble(System.getProperty("kimicode.tries.factor", "1"));

	private static final Long REPLAY = Long.getLong("kimicode.tries.replay");

	/** A property of one input; any exception or assertion error is a failure. */
	public interface Property<T> {

		void check(T input) throws Exception;

	}

	private Tries() {
	}

	/** How many tries a test that asks for {@code usual} gets in this run. */
	public static int count(int usual) {
		return Math.max(1, (int) Math.round(usual * FACTOR));
	}

	/** Checks {@code property} on {@link #count(int) count(tries)} inputs drawn by {@code generator}. */
	public static <T> void forAll(String name, int tries, Function<SplittableRandom, T> generator,
			Property<T> property) {
		SplittableRandom seeds = new SplittableRandom(SEED ^ name.hashCode());
		int count = REPLAY != null ? 1 : count(tries);
		for (int i = 0; i < count; i++) {
			long seed = REPLAY != null ? REPLAY : seeds.nextLong();
			T input = generator.apply(new SplittableRandom(seed));
			try {
				property.check(input);
			}
			catch (Throwable failure) {
				String shown = String.valueOf(input);
				throw new AssertionError(name + " failed on try " + (i + 1) + " of " + count
						+ " (replay it alone with -Dkimicode.tries.replay=" + seed + "); input ("
						+ shown.length() + " chars): " + (shown.length() > 4000 ? shown.substring(0, 4000) + "..." : shown),
						failure);
			}
		}
	}

}
