/** A figure a feature's issue asks the benchmark to state, beside the collector's. */
export interface FeatureCase {
  id: string;
  /** What is measured, as the report's row says it. */
  label: string;
  /** The feature and where its code lives. */
  feature: string;
  /** Committed file that means the feature has landed; until then the row says so. */
  landedWith: string;
  /** The goal from the feature's issue, e.g. "< 150 ms". */
  target: string;
  /** Absent while nobody has written the measurement yet. */
  measure?: (runs: number) => Promise<FeatureFigure>;
}

export interface FeatureFigure {
  /** Main figure, already formatted (e.g. "42.1 ms (38.0–45.2)"). */
  value: string;
  pass: boolean;
  /** What else the reader should know (sizes, memory, what is not covered). */
  note?: string;
}

export type FeatureResult =
  | { case: FeatureCase; status: 'measured'; figure: FeatureFigure }
  | { case: FeatureCase; status: 'not-landed' | 'no-measurement' | 'failed'; reason: string };
