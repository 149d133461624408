package org.meter2mqtt.http.internal;

import java.security.Principal;
import java.util.ArrayList;
import java.util.List;

import javax.security.auth.Subject;
import javax.security.auth.callback.Callback;
import javax.security.auth.callback.NameCallback;
import javax.security.auth.callback.PasswordCallback;
import javax.security.auth.callback.UnsupportedCallbackException;
import javax.security.auth.login.AppConfigurationEntry;
import javax.security.auth.login.LoginContext;
import javax.security.auth.login.LoginException;

import org.apache.karaf.jaas.boot.principal.RolePrincipal;
import org.apache.karaf.jaas.boot.principal.UserPrincipal;
import org.apache.karaf.jaas.config.JaasRealm;
import org.apache.karaf.jaas.modules.BackingEngine;
import org.apache.karaf.jaas.modules.BackingEngineFactory;
import org.meter2mqtt.http.auth.Realm;
import org.osgi.framework.BundleContext;
import org.osgi.framework.InvalidSyntaxException;
import org.osgi.framework.ServiceReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Karaf's JAAS realm {@code karaf}: logins go through JAAS as the console's do; the user list comes from the
 * realm's backing engines (what {@code jaas:user-list} shows).
 */
final class KarafRealm implements Realm {

    static final String NAME = "karaf";
    private static final Logger LOG = LoggerFactory.getLogger(KarafRealm.class);

    private final BundleContext context;

    KarafRealm(BundleContext context) {
        this.context = context;
    }

    @Override
    public boolean hasViewer() {
        try {
            for (BackingEngine engine : engines()) {
                for (UserPrincipal user : engine.listUsers()) {
                    for (RolePrincipal role : engine.listRoles(user)) {
                        if (VIEWER_ROLE.equals(role.getName())) {
                            return true;
                        }
                    }
                }
            }
        } catch (RuntimeException | InvalidSyntaxException e) {
            LOG.warn("Cannot list the users of JAAS realm {}: {}", NAME, e.toString());
        }
        return false;
    }

    private List<BackingEngine> engines() throws InvalidSyntaxException {
        List<BackingEngine> engines = new ArrayList<>();
        List<ServiceReference<?>> used = new ArrayList<>();
        try {
            List<BackingEngineFactory> factories = new ArrayList<>();
            for (ServiceReference<BackingEngineFactory> r : context.getServiceReferences(BackingEngineFactory.class,
                    null)) {
                BackingEngineFactory f = context.getService(r);
                if (f != null) {
                    used.add(r);
                    factories.add(f);
                }
            }
            for (ServiceReference<JaasRealm> r : context.getServiceReferences(JaasRealm.class, null)) {
                JaasRealm realm = context.getService(r);
                if (realm == null) {
                    continue;
                }
                used.add(r);
                if (!NAME.equals(realm.getName())) {
                    continue;
                }
                for (AppConfigurationEntry entry : realm.getEntries()) {
                    Object module = entry.getOptions().get("org.apache.karaf.jaas.module");
                    String moduleClass = module != null ? module.toString() : entry.getLoginModuleName();
                    for (BackingEngineFactory f : factories) {
                        if (f.getModuleClass().equals(moduleClass)) {
                            engines.add(f.build(entry.getOptions()));
                        }
                    }
                }
            }
            return engines;
        } finally {
            used.forEach(context::ungetService);
        }
    }

    @Override
    public boolean authenticate(String user, String password) {
        Subject subject = new Subject();
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        try {
            // Karaf's JAAS configuration finds the login modules itself; the context class loader must not interfere
            Thread.currentThread().setContextClassLoader(KarafRealm.class.getClassLoader());
            LoginContext login = new LoginContext(NAME, subject, callbacks -> {
                for (Callback c : callbacks) {
                    if (c instanceof NameCallback nc) {
                        nc.setName(user);
                    } else if (c instanceof PasswordCallback pc) {
                        pc.setPassword(password.toCharArray());
                    } else {
                        throw new UnsupportedCallbackException(c);
                    }
                }
            });
            login.login();
            for (Principal p : subject.getPrincipals()) {
                if (p instanceof RolePrincipal && VIEWER_ROLE.equals(p.getName())) {
                    return true;
                }
            }
            LOG.debug("HTTP login of {} refused: no {} role", user, VIEWER_ROLE);
            return false;
        } catch (LoginException e) {
            LOG.debug("HTTP login of {} refused: {}", user, e.getMessage()); // never the password
            return false;
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
    }

}
