/**
 * The platform a collected bundle records: its target group's health-check interval,
 * deregistration delay, slow start and routing algorithm (`caplab collect`,
 * manifest.current.platform), beneath what a config's `platform:` sets.
 *
 * Precedence, as everywhere in caplab (file > recorded > defaults): a field the config sets
 * wins; a field it leaves out takes the bundle's value; the rest keep PLATFORM_DEFAULTS
 * (resolvePlatform). A trace that is not a collected bundle records nothing, and the config's
 * platform is returned as it is.
 */
import type { PlatformParams, TargetGroupPlatform } from "../sim/vocab/index.js";

export interface RecordedPlatformUse {
  /** The config's platform with the recorded fields it does not set. */
  readonly platform: Partial<PlatformParams>;
  /** The recorded fields taken (empty: none). */
  readonly taken: TargetGroupPlatform;
}

/** The config's `platform:` over the bundle's recorded one (see the module comment). */
export function withRecordedPlatform(
  configured: Partial<PlatformParams> | undefined,
  recorded: TargetGroupPlatform | null | undefined,
): RecordedPlatformUse {
  const own = configured ?? {};
  if (!recorded) return { platform: own, taken: {} };
  const taken: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(recorded))
    if (value !== undefined && own[key as keyof PlatformParams] === undefined) taken[key] = value;
  if (Object.keys(taken).length === 0) return { platform: own, taken: {} };
  return {
    platform: { ...own, ...(taken as TargetGroupPlatform) },
    taken: taken as TargetGroupPlatform,
  };
}

/**
 * {@link withRecordedPlatform} on a whole simulate or plan config: the config with the
 * bundle's settings beneath its platform:, and {@link recordedPlatformLine} of what was taken.
 */
export function withBundlePlatform<C extends { readonly platform?: Partial<PlatformParams> }>(
  config: C,
  recorded: TargetGroupPlatform | null | undefined,
): { readonly config: C; readonly line: string | null } {
  const { platform, taken } = withRecordedPlatform(config.platform, recorded);
  return { config: { ...config, platform }, line: recordedPlatformLine(taken) };
}

/** "health checks every 10 s, deregistration delay 45 s, slow start 60 s, least_outstanding_requests routing", or null for none. */
export function targetGroupSettingsText(settings: TargetGroupPlatform): string | null {
  const parts = [
    ...(settings.healthCheckIntervalSeconds === undefined
      ? []
      : [`health checks every ${settings.healthCheckIntervalSeconds} s`]),
    ...(settings.healthCheckTimeoutSeconds === undefined
      ? []
      : [`timeout ${settings.healthCheckTimeoutSeconds} s`]),
    ...(settings.unhealthyThresholdCount === undefined &&
    settings.healthyThresholdCount === undefined
      ? []
      : [
          `unhealthy after ${settings.unhealthyThresholdCount ?? "the default"} failed checks, healthy after ${settings.healthyThresholdCount ?? "the default"} passed`,
        ]),
    ...(settings.healthCheckGracePeriodSeconds === undefined
      ? []
      : [`grace period ${settings.healthCheckGracePeriodSeconds} s`]),
    ...(settings.maximumPercent === undefined ? [] : [`maximumPercent ${settings.maximumPercent}`]),
    ...(settings.deregistrationDelaySeconds === undefined
      ? []
      : [`deregistration delay ${settings.deregistrationDelaySeconds} s`]),
    ...(settings.slowStartSeconds === undefined
      ? []
      : [
          settings.slowStartSeconds === 0
            ? "slow start off"
            : `slow start ${settings.slowStartSeconds} s`,
        ]),
    ...(settings.loadBalancingAlgorithm === undefined
      ? []
      : [`${settings.loadBalancingAlgorithm} routing`]),
  ];
  return parts.length === 0 ? null : parts.join(", ");
}

/**
 * The line simulate and plan print when they take settings from the bundle, or null when
 * none: "Platform from the bundle's target group (caplab collect): health checks every 10 s,
 * …; a config's platform: overrides them."
 */
export function recordedPlatformLine(taken: TargetGroupPlatform): string | null {
  const text = targetGroupSettingsText(taken);
  return text === null
    ? null
    : `Platform from the bundle's target group (caplab collect): ${text}; a config's platform: overrides them.`;
}
