package org.meter2mqtt.core.internal;

import java.io.File;

import org.apache.felix.fileinstall.ArtifactInstaller;
import org.meter2mqtt.core.upgrade.DriverUpgrades;

/**
 * Takes driver jars in {@code deploy/} over from FileInstall before it installs or updates any bundle, so a dropped
 * jar goes through {@link DriverUpgrades}: a refused one never stops the running version. FileInstall asks its
 * installers highest service ranking first and falls back to its own bundle handling last; glue only.
 */
final class DeployFolderInstaller implements ArtifactInstaller {

    private final DriverUpgrades upgrades;

    DeployFolderInstaller(DriverUpgrades upgrades) {
        this.upgrades = upgrades;
    }

    @Override
    public boolean canHandle(File artifact) {
        return artifact.isFile() && upgrades.handles(artifact.toPath().toAbsolutePath().normalize());
    }

    @Override
    public void install(File artifact) {
        upgrades.deployFile(artifact.toPath().toAbsolutePath().normalize(), false);
    }

    @Override
    public void update(File artifact) {
        upgrades.deployFile(artifact.toPath().toAbsolutePath().normalize(), true);
    }

    @Override
    public void uninstall(File artifact) {
        upgrades.deployFileRemoved(artifact.toPath().toAbsolutePath().normalize());
    }
}
