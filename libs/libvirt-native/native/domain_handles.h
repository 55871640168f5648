// Domain handles by UUID, kept on the lane thread so a call on a known domain needs no lookup.
//
// A remote driver's virDomainPtr is a local (name, uuid, id) triple; libvirtd finds the domain
// by its UUID for every call made with it, so a handle stays good while a domain with that UUID
// exists (renamed or redefined included), and a call on one that is gone fails with
// VIR_ERR_NO_DOMAIN exactly as the lookup would have. Each lane thread serves one connection, so
// the cache is the thread's own (thread_local): no locking, and every handle belongs to the
// connection of the thread that uses it. The close job frees them before closing the connection.
#pragma once

#include <libvirt/libvirt.h>

#include <string>
#include <vector>

#include "failure.h"

// The handle for `uuid` (looked up once, then kept); nullptr with `failure` filled when libvirt
// has no such domain. The cache owns the handle: callers never free it.
virDomainPtr DomainHandleFor(virConnectPtr conn, const std::string& uuid, LibvirtFailure& failure);
// Keeps `domain` (a fresh handle the caller owned, e.g. from a define) as the handle for its UUID.
void RememberDomainHandle(virDomainPtr domain);
// Makes the cache exactly the handles of `listed` (a listing of every domain the caller still
// owns: each is referenced anew, not taken); a handle not listed, its domain gone, is freed.
void KeepOnlyDomainHandles(const std::vector<virDomainPtr>& listed);
// Drops the handle for `uuid` (the domain is gone, or a call said it is).
void ForgetDomainHandle(const std::string& uuid);
// How many handles this thread keeps.
size_t CachedDomainHandleCount();
// Frees every handle of this thread (the close job, before virConnectClose).
void FreeDomainHandles();
