/**
 * Safe driver installs and upgrades: preflight before anything stops, a vault of every installed version, a health
 * gate after an upgrade with automatic rollback and quarantine, and a history of every step.
 * {@link org.meter2mqtt.core.upgrade.DriverManagement} is the service the shell uses. Plain Java; the OSGi glue is
 * {@code org.meter2mqtt.core.internal.DriverUpgradeComponent}.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.meter2mqtt.core.upgrade;
