/**
 * How long ml-cart would take to fit, and whether it should: its fit re-scans the data for every
 * candidate threshold, so its time grows with the square of the rows.
 *
 * @module
 */

/** Rows above which ml-cart is refused: measured 72 s at 10,000 rows x 20 features. */
export const ML_CART_MAX_ROWS = 5_000;

/** Estimated seconds above which ml-cart's fit logs a warning with the estimate. */
const ML_CART_WARN_SECONDS = 10;

/** Seconds ml-cart takes for 10,000 rows x 20 features on a 2-core machine (measured). */
const SECONDS_AT_10K_ROWS = 72;

/** Estimated fit time of ml-cart in seconds: it grows with the square of the rows. */
function estimateMlCartSeconds(rows: number, columns: number): number {
  return SECONDS_AT_10K_ROWS * (rows / 10_000) ** 2 * (columns / 20);
}

/** What ml-cart's fit does with data of a given size, and its estimated fit time. */
export interface MlCartAdvice {
  /** `fit` trains silently, trains with a logged warning, or refuses unless `allow_slow=true`. */
  action: "fit" | "warn" | "refuse";
  /** Estimated fit time in seconds. */
  seconds: number;
  /** The message logged or thrown, naming the estimate and the way out; empty for `fit`. */
  message: string;
}

/**
 * Decides whether ml-cart should train on `rows x columns`: refused above
 * {@linkcode ML_CART_MAX_ROWS} rows, warned above 10 estimated seconds.
 */
export function adviseMlCart(rows: number, columns: number): MlCartAdvice {
  const seconds = estimateMlCartSeconds(rows, columns);
  const estimate = `ml-cart would take about ${Math.round(seconds)} s for ${rows} rows x ` +
    `${columns} features (its time grows with the square of the rows)`;
  if (rows > ML_CART_MAX_ROWS) {
    return {
      action: "refuse",
      seconds,
      message: `${estimate}: use algorithm=cart, or set allow_slow=true to wait`,
    };
  }
  if (seconds > ML_CART_WARN_SECONDS) {
    return { action: "warn", seconds, message: `${estimate}; algorithm=cart takes well under 1 s` };
  }
  return { action: "fit", seconds, message: "" };
}
