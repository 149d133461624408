package org.meter2mqtt.driver.kpm33b.internal;

/** Every device test again with the meters' broker reached through a Paho client (url = tcp://...). */
class Kpm33bDeviceOverSocketTest extends Kpm33bDeviceTest {

    @Override
    boolean inProcess() {
        return false;
    }
}
