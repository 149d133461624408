package org.meter2mqtt.http.auth;

/** Who may look: in Karaf, the JAAS realm {@code karaf} (etc/users.properties). */
public interface Realm {

    /** The role a user needs; Karaf's {@code admingroup} includes it. */
    String VIEWER_ROLE = "viewer";

    /** True when at least one user has the viewer role. */
    boolean hasViewer();

    /** True when the password is right and the user has the viewer role. */
    boolean authenticate(String user, String password);
}
