package org.meter2mqtt.core.internal;

import java.io.File;
import java.net.URI;
import java.nio.file.Path;
import java.nio.file.Paths;

import org.osgi.framework.Bundle;
import org.osgi.framework.BundleContext;
import org.osgi.framework.BundleException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FileInstall does not notice a jar removed from {@code deploy/} while Karaf was stopped: the bundle comes
 * back from the framework cache. A driver the operator deleted must stay deleted, so at start-up this
 * uninstalls bundles whose deploy-folder file is gone.
 */
final class DeployFolderJanitor {

    private static final Logger LOG = LoggerFactory.getLogger(DeployFolderJanitor.class);

    private final BundleContext context;

    DeployFolderJanitor(BundleContext context) {
        this.context = context;
    }

    void start() {
        String base = context.getProperty("karaf.base");
        if (base == null) {
            return;
        }
        Path deploy = Paths.get(base, "deploy").toAbsolutePath().normalize();
        Thread t = new Thread(() -> sweep(deploy), "meter-deploy-janitor");
        t.setDaemon(true);
        t.start();
    }

    private void sweep(Path deploy) {
        for (Bundle b : context.getBundles()) {
            File file = fileOf(b.getLocation());
            if (file == null || !file.toPath().toAbsolutePath().normalize().startsWith(deploy) || file.exists()) {
                continue;
            }
            try {
                LOG.info("Uninstalling {} {}: its jar {} was removed from deploy/ while the gateway was stopped",
                        b.getSymbolicName(), b.getVersion(), file);
                b.uninstall();
            } catch (BundleException | IllegalStateException e) {
                LOG.warn("Could not uninstall {} whose jar is gone from deploy/: {}", b.getSymbolicName(), e.toString());
            }
        }
    }

    private static File fileOf(String location) {
        if (location == null || !location.startsWith("file:")) {
            return null;
        }
        try {
            return new File(URI.create(location.replace(" ", "%20")));
        } catch (IllegalArgumentException e) {
            return new File(location.substring("file:".length()));
        }
    }
}
