#pragma once

#include <libvirt/libvirt.h>

#include <vector>

// Drops the domain-event and close callbacks a connection registered (lane thread).
void DeregisterCallbacks(virConnectPtr conn, const std::vector<int>& event_ids, bool close_callback);

// Starts libvirt's default event loop on its own thread (once); needed for events and keepalive.
void StartEventLoop();
