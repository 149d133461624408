/**
 * Small helpers every part of the gateway shares, drivers included: one retry {@link Backoff} and one
 * {@link RateLimitedLog} instead of a hand-rolled copy in each bundle.
 */
@org.osgi.annotation.versioning.Version("1.0.0")
@org.osgi.annotation.bundle.Export
package org.meter2mqtt.api.util;
