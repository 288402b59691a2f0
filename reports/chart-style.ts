/**
 * What every chart of every report shares (pure): the vega-lite schema, the colour-blind-safe
 * palette, the responsive sizing, and the fixed width the static SVG and PNG are drawn at.
 *
 * Sizing: a live chart is as wide as its container (`width: "container"`, autosize
 * `fit-x`), so it stays readable from an 800-px window to a wide screen; vega-lite supports
 * that for single and layered views, so no report chart is a concat. The static SVG (the
 * fallback and the PNG) has no container: {@link staticSpec} gives it {@link STATIC_WIDTH}.
 */
import type { TopLevelSpec } from "vega-lite";

export const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";

/**
 * Okabe and Ito's colour-universal-design palette, distinct for the common forms of colour
 * blindness ("Color Universal Design", https://jfly.uni-koeln.de/color/; Wong, "Points of
 * view: Color blindness", Nature Methods 8, 441, 2011).
 */
export const PALETTE = {
  black: "#000000",
  orange: "#E69F00",
  skyBlue: "#56B4E9",
  green: "#009E73",
  yellow: "#F0E442",
  blue: "#0072B2",
  vermillion: "#D55E00",
  purple: "#CC79A7",
  grey: "#999999",
} as const;

/** SLO, target and budget lines: dark, dashed, labelled, never a data colour. */
export const REFERENCE_COLOR = "#374151";

/** Width of the static SVG (fallback and PNG) of a container-wide chart, px. */
export const STATIC_WIDTH = 760;

/** Shared vega-lite config: readable ticks, labels that never overlap, legends below. */
export const CHART_CONFIG = {
  font: "system-ui, -apple-system, Segoe UI, Roboto, Helvetica Neue, Arial, sans-serif",
  axis: {
    labelOverlap: "greedy",
    labelSeparation: 6,
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 500,
  },
  axisX: { labelFlush: true },
  legend: { orient: "bottom", labelFontSize: 11, titleFontSize: 11, labelLimit: 280 },
  view: { stroke: "#e5e7eb" },
} as const;

/** A chart as wide as its container, `height` px tall, with the shared config. */
export function responsive(spec: Record<string, unknown>, height: number): TopLevelSpec {
  return {
    $schema: SCHEMA,
    ...spec,
    width: "container",
    height,
    autosize: { type: "fit-x", contains: "padding" },
    config: CHART_CONFIG,
  } as TopLevelSpec;
}

/** The spec with every `width: "container"` replaced by `width` px (for static rendering). */
export function staticSpec(spec: TopLevelSpec, width: number = STATIC_WIDTH): TopLevelSpec {
  const fix = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(fix);
    if (v === null || typeof v !== "object") return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v))
      out[k] = k === "width" && x === "container" ? width : fix(x);
    return out;
  };
  return fix(spec) as TopLevelSpec;
}

/** A horizontal reference line at `value` with its label at the right end, above the line. */
export function referenceRule(
  field: string,
  value: number,
  label: string,
  options: { readonly dash?: readonly number[] } = {},
): Record<string, unknown> {
  return {
    data: { values: [{ [field]: value }] },
    layer: [
      {
        mark: {
          type: "rule",
          color: REFERENCE_COLOR,
          strokeWidth: 1.5,
          strokeDash: options.dash ?? [6, 4],
        },
        encoding: { y: { field, type: "quantitative" } },
      },
      {
        mark: {
          type: "text",
          align: "right",
          baseline: "bottom",
          dx: -4,
          dy: -3,
          x: "width",
          color: REFERENCE_COLOR,
          fontSize: 11,
          fontWeight: 600,
        },
        encoding: { y: { field, type: "quantitative" }, text: { value: label } },
      },
    ],
  };
}
