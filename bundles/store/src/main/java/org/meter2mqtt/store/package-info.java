/**
 * Durable local storage shared by the outputs: a bounded on-disk FIFO ({@link org.meter2mqtt.store.SegmentQueue})
 * for store-and-forward, and atomic file replacement ({@link org.meter2mqtt.store.AtomicFiles}). Plain Java,
 * no OSGi services: each output owns its own queue directory under Karaf's data folder.
 */
@org.osgi.annotation.bundle.Export
@org.osgi.annotation.versioning.Version("1.0.0")
package org.meter2mqtt.store;
