#include "domain_handles.h"

#include <unordered_map>

namespace {
thread_local std::unordered_map<std::string, virDomainPtr> handles;
}

virDomainPtr DomainHandleFor(virConnectPtr conn, const std::string& uuid, LibvirtFailure& failure) {
  auto found = handles.find(uuid);
  if (found != handles.end()) return found->second;
  virDomainPtr domain = virDomainLookupByUUIDString(conn, uuid.c_str());
  if (domain == nullptr) {
    failure = CaptureLastError("domain not found");
    return nullptr;
  }
  handles.emplace(uuid, domain);
  return domain;
}

void RememberDomainHandle(virDomainPtr domain) {
  char uuid[VIR_UUID_STRING_BUFLEN] = {0};
  if (virDomainGetUUIDString(domain, uuid) != 0) {
    virDomainFree(domain);
    return;
  }
  auto found = handles.find(uuid);
  if (found != handles.end()) {
    virDomainFree(found->second);
    found->second = domain;
    return;
  }
  handles.emplace(uuid, domain);
}

void KeepOnlyDomainHandles(const std::vector<virDomainPtr>& listed) {
  std::unordered_map<std::string, virDomainPtr> kept;
  kept.reserve(listed.size());
  for (virDomainPtr domain : listed) {
    char uuid[VIR_UUID_STRING_BUFLEN] = {0};
    if (virDomainGetUUIDString(domain, uuid) != 0) continue;
    auto found = handles.find(uuid);
    if (found != handles.end()) {
      kept.emplace(uuid, found->second);
      handles.erase(found);
    } else if (virDomainRef(domain) == 0) {
      kept.emplace(uuid, domain);
    }
  }
  FreeDomainHandles();
  handles = std::move(kept);
}

void ForgetDomainHandle(const std::string& uuid) {
  auto found = handles.find(uuid);
  if (found == handles.end()) return;
  virDomainFree(found->second);
  handles.erase(found);
}

size_t CachedDomainHandleCount() { return handles.size(); }

void FreeDomainHandles() {
  for (auto& entry : handles) virDomainFree(entry.second);
  handles.clear();
}
