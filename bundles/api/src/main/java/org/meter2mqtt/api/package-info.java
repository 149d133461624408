/**
 * The meter2mqtt driver SPI.
 *
 * <h2>Contract</h2>
 * <ul>
 * <li>A driver is an OSGi service {@link org.meter2mqtt.api.MeterDriver} registered with the service
 * property {@code meter.driver=<id>} ({@link org.meter2mqtt.api.MeterDriver#PROPERTY_ID}). It describes
 * itself with a {@link org.meter2mqtt.api.DriverDescription}: models, typed configuration keys and the
 * channels each model produces.</li>
 * <li>The core owns devices. For each device (one Config Admin factory configuration) it validates the
 * configuration against the description and calls {@link org.meter2mqtt.api.MeterDriver#open} with a
 * {@link org.meter2mqtt.api.DeviceContext}. The returned {@link org.meter2mqtt.api.DriverSession} lives
 * until the core closes it (configuration change, driver gone, link lost, gateway stop).</li>
 * <li>{@link org.meter2mqtt.api.DriverDescription.Mode#POLLED} drivers are polled by the core at the
 * device's {@code poll.interval}; {@link org.meter2mqtt.api.DriverDescription.Mode#STREAMING} drivers push
 * readings whenever the meter sends them, from a thread they start with
 * {@link org.meter2mqtt.api.DeviceContext#startThread} or from a subscription callback.</li>
 * <li>Readings go to {@link org.meter2mqtt.api.DeviceContext#publish}. One call is one batch: the
 * readings the meter gave at one moment (one telegram, one poll).</li>
 * <li>Bad data is a status, not an exception: a corrupt frame is reported with
 * {@link org.meter2mqtt.api.DeviceContext#error} and no reading is published from it. Only a lost link
 * (or a configuration the meter rejects) throws {@link org.meter2mqtt.api.DriverException}; the core then
 * closes the session and opens a new one with exponential backoff.</li>
 * <li>Every call into a driver is made on a core worker thread with a deadline; a driver that hangs or
 * throws affects only its own devices.</li>
 * <li>Outputs (MQTT, InfluxDB, metrics) register a {@link org.meter2mqtt.api.MeterOutput} and receive
 * every batch; the core's {@link org.meter2mqtt.api.DeviceRegistry} service lists devices for shells and
 * status pages.</li>
 * <li>Since 1.1: the embedded MQTT broker registers a {@link org.meter2mqtt.api.LocalBroker}, so drivers of
 * MQTT meters take the meters' messages in-process.</li>
 * <li>Since 1.2: {@link org.meter2mqtt.api.OutputStatus} reports published, buffered and dropped counts (default
 * -1, unknown), so health checks and metrics need not parse its summary.</li>
 * <li>Since 1.2: an output that owns device keys under a prefix ({@code mqtt.}) implements
 * {@link org.meter2mqtt.api.OutputKeys}; the core lets it validate them. A driver may suggest such keys for a
 * device with {@link org.meter2mqtt.api.DeviceContext#attribute} (the device's {@code .cfg} wins); outputs see
 * them in {@link org.meter2mqtt.api.DeviceInfo#attributes()}.</li>
 * <li>Since 1.3: {@link org.meter2mqtt.api.DeviceInfo#errorsByKind()} counts a device's errors by kind (bad
 * data, bad readings, lost links, failed opens), for metrics.</li>
 * <li>Since 1.3: {@link org.meter2mqtt.api.Channel#integer()} marks a channel that counts (whole numbers), so
 * typed outputs (InfluxDB) store it as an integer.</li>
 * <li>Since 1.3: {@link org.meter2mqtt.api.StateStore#flush()} throws {@link java.io.UncheckedIOException} when
 * the state cannot be written, instead of only logging it, so a driver never acknowledges what is not on disk.</li>
 * <li>Since 1.4: {@link org.meter2mqtt.api.LatestReadings} keeps a device's latest reading per channel without an
 * object per value, for outputs and status pages that hold every device's latest values at high reading rates.</li>
 * <li>Since 1.5: {@link org.meter2mqtt.api.Reading#forDevice} makes a reading that carries its device's id, which
 * the core then passes on as it is instead of copying it. A {@link org.meter2mqtt.api.LocalBroker.Listener} may
 * take each message in an array the broker reuses, instead of a copy of its own.</li>
 * <li>Since 1.6: {@link org.meter2mqtt.api.DeviceContext#removed()} tells a closing session that its device is
 * deleted, so a driver can give up what it keeps for the device outside the gateway (the pulse driver's queue).</li>
 * </ul>
 * Types that drivers implement are {@code @ConsumerType}: adding a method to them is a major change, so a
 * driver built against 1.x keeps resolving on every 1.y gateway.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.6.0")
package org.meter2mqtt.api;
