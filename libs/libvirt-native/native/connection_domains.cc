// Domain calls. Domains are named by UUID: each call looks the domain up on the lane thread,
// so JS never holds a virDomainPtr whose lifetime it would have to manage.
#include <cstdlib>
#include <unordered_set>

#include "connection.h"

static Napi::Value Undefined(Napi::Env env, int&) { return env.Undefined(); }
static Napi::Value Boolean(Napi::Env env, int& value) { return Napi::Boolean::New(env, value == 1); }

Napi::Value Connection::OnDomainVoid(const Napi::CallbackInfo& info, const char* name, std::function<int(virDomainPtr)> op) {
  return OnDomain<int>(
      info, name,
      [op = std::move(op), name](virDomainPtr domain, int& out, LibvirtFailure& failure) {
        out = op(domain);
        if (out < 0) failure = CaptureLastError(name);
        return out >= 0;
      },
      Undefined);
}

// A domain predicate answering 1 / 0 / -1.
static std::function<bool(virDomainPtr, int&, LibvirtFailure&)> Predicate(int (*predicate)(virDomainPtr), const char* what) {
  return [predicate, what](virDomainPtr domain, int& out, LibvirtFailure& failure) {
    out = predicate(domain);
    if (out < 0) failure = CaptureLastError(what);
    return out >= 0;
  };
}

std::vector<Napi::ClassPropertyDescriptor<Connection>> Connection::DomainMethods() {
  return {
      InstanceMethod("listAllDomains", &Connection::ListAllDomains),
      InstanceMethod("getAllDomainStats", &Connection::GetAllDomainStats),
      InstanceMethod("listDomainStates", &Connection::ListDomainStates),
      InstanceMethod("getXMLDescs", &Connection::GetXMLDescs),
      InstanceMethod("defineXML", &Connection::DefineXML),
      InstanceMethod("lookupByName", &Connection::LookupByName),
      InstanceMethod("lookupByUUID", &Connection::LookupByUUID),
      InstanceMethod("undefine", &Connection::Undefine),
      InstanceMethod("create", &Connection::Create),
      InstanceMethod("destroy", &Connection::Destroy),
      InstanceMethod("shutdown", &Connection::Shutdown),
      InstanceMethod("reboot", &Connection::Reboot),
      InstanceMethod("reset", &Connection::Reset),
      InstanceMethod("suspend", &Connection::Suspend),
      InstanceMethod("resume", &Connection::Resume),
      InstanceMethod("getState", &Connection::GetState),
      InstanceMethod("isActive", &Connection::IsActive),
      InstanceMethod("isPersistent", &Connection::IsPersistent),
      InstanceMethod("getAutostart", &Connection::GetAutostart),
      InstanceMethod("setAutostart", &Connection::SetAutostart),
      InstanceMethod("getXMLDesc", &Connection::GetXMLDesc),
      InstanceMethod("attachDevice", &Connection::AttachDevice),
      InstanceMethod("detachDevice", &Connection::DetachDevice),
      InstanceMethod("updateDevice", &Connection::UpdateDevice),
      InstanceMethod("getMetadata", &Connection::GetMetadata),
      InstanceMethod("setMetadata", &Connection::SetMetadata),
  };
}

static Napi::Value IdentitiesToJs(Napi::Env env, std::vector<DomainIdentity>& identities) {
  Napi::Array array = Napi::Array::New(env, identities.size());
  for (size_t index = 0; index < identities.size(); index++) array.Set(index, IdentityToJs(env, identities[index]));
  return array;
}

Napi::Value Connection::ListAllDomains(const Napi::CallbackInfo& info) {
  unsigned int flags = FlagsArg(info, 0);
  return Call<std::vector<DomainIdentity>>(
      info.Env(), "vnfm-libvirt-list-domains",
      [flags](virConnectPtr conn, std::vector<DomainIdentity>& out, LibvirtFailure& failure) {
        virDomainPtr* domains = nullptr;
        int count = virConnectListAllDomains(conn, &domains, flags);
        if (count < 0) {
          failure = CaptureLastError("cannot list domains");
          return false;
        }
        for (int index = 0; index < count; index++) out.push_back(IdentityOf(domains[index]));
        // A listing of every domain (no filter) is what the lane's handle cache keeps: the handles
        // of domains gone since the last one go (on a driver without domain stats, LXC, this is
        // the pass's listing; nothing else pruned them).
        if (flags == 0) KeepOnlyDomainHandles(std::vector<virDomainPtr>(domains, domains + count));
        for (int index = 0; index < count; index++) virDomainFree(domains[index]);
        free(domains);
        return true;
      },
      IdentitiesToJs);
}

// One typed parameter, kept as a number, boolean or string.
struct TypedValue {
  std::string field;
  int type = 0;
  double number = 0;
  std::string text;
};
struct DomainStats {
  DomainIdentity identity;
  std::vector<TypedValue> values;
};

static TypedValue CopyTypedParameter(const virTypedParameter& parameter) {
  TypedValue value;
  value.field = parameter.field;
  value.type = parameter.type;
  switch (parameter.type) {
    case VIR_TYPED_PARAM_INT: value.number = parameter.value.i; break;
    case VIR_TYPED_PARAM_UINT: value.number = parameter.value.ui; break;
    case VIR_TYPED_PARAM_LLONG: value.number = static_cast<double>(parameter.value.l); break;
    case VIR_TYPED_PARAM_ULLONG: value.number = static_cast<double>(parameter.value.ul); break;
    case VIR_TYPED_PARAM_DOUBLE: value.number = parameter.value.d; break;
    case VIR_TYPED_PARAM_BOOLEAN: value.number = parameter.value.b ? 1 : 0; break;
    case VIR_TYPED_PARAM_STRING: value.text = parameter.value.s != nullptr ? parameter.value.s : ""; break;
    default: break;
  }
  return value;
}

Napi::Value Connection::GetAllDomainStats(const Napi::CallbackInfo& info) {
  unsigned int stats = FlagsArg(info, 0);
  unsigned int flags = FlagsArg(info, 1);
  return Call<std::vector<DomainStats>>(
      info.Env(), "vnfm-libvirt-domain-stats",
      [stats, flags](virConnectPtr conn, std::vector<DomainStats>& out, LibvirtFailure& failure) {
        virDomainStatsRecordPtr* records = nullptr;
        int count = virConnectGetAllDomainStats(conn, stats, &records, flags);
        if (count < 0) {
          failure = CaptureLastError("cannot get domain stats");
          return false;
        }
        for (int index = 0; index < count; index++) {
          DomainStats entry;
          entry.identity = IdentityOf(records[index]->dom);
          for (int p = 0; p < records[index]->nparams; p++) entry.values.push_back(CopyTypedParameter(records[index]->params[p]));
          out.push_back(std::move(entry));
        }
        virDomainStatsRecordListFree(records);
        return true;
      },
      [](Napi::Env env, std::vector<DomainStats>& entries) -> Napi::Value {
        Napi::Array array = Napi::Array::New(env, entries.size());
        for (size_t index = 0; index < entries.size(); index++) {
          Napi::Object record = IdentityToJs(env, entries[index].identity).As<Napi::Object>();
          Napi::Object params = Napi::Object::New(env);
          for (const TypedValue& value : entries[index].values) {
            if (value.type == VIR_TYPED_PARAM_STRING) params.Set(value.field, value.text);
            else if (value.type == VIR_TYPED_PARAM_BOOLEAN) params.Set(value.field, Napi::Boolean::New(env, value.number != 0));
            else params.Set(value.field, Napi::Number::New(env, value.number));
          }
          record.Set("params", params);
          array.Set(index, record);
        }
        return array;
      });
}

// One domain as listDomainStates answers it: identity, state and persistence.
struct ListedDomainState {
  DomainIdentity identity;
  int state = -1;
  bool persistent = true;
};

// Every domain with its state and persistence in one lane job: one stats RPC (state of all) and
// one list RPC (which are transient). The listed handles become the lane's handle cache, and
// only they do (a domain gone since is not kept), so the definitions read next (getXMLDescs)
// need no lookups.
Napi::Value Connection::ListDomainStates(const Napi::CallbackInfo& info) {
  return Call<std::vector<ListedDomainState>>(
      info.Env(), "vnfm-libvirt-domain-states",
      [](virConnectPtr conn, std::vector<ListedDomainState>& out, LibvirtFailure& failure) {
        virDomainStatsRecordPtr* records = nullptr;
        int count = virConnectGetAllDomainStats(conn, VIR_DOMAIN_STATS_STATE, &records, 0);
        if (count < 0) {
          failure = CaptureLastError("cannot get domain stats");
          return false;
        }
        virDomainPtr* transient = nullptr;
        int transientCount = virConnectListAllDomains(conn, &transient, VIR_CONNECT_LIST_DOMAINS_TRANSIENT);
        if (transientCount < 0) {
          failure = CaptureLastError("cannot list transient domains");
          virDomainStatsRecordListFree(records);
          return false;
        }
        std::unordered_set<std::string> transientUuids;
        for (int index = 0; index < transientCount; index++) {
          char uuid[VIR_UUID_STRING_BUFLEN] = {0};
          if (virDomainGetUUIDString(transient[index], uuid) == 0) transientUuids.emplace(uuid);
          virDomainFree(transient[index]);
        }
        free(transient);
        std::vector<virDomainPtr> listed;
        listed.reserve(count);
        out.reserve(count);
        for (int index = 0; index < count; index++) {
          ListedDomainState entry;
          entry.identity = IdentityOf(records[index]->dom);
          for (int p = 0; p < records[index]->nparams; p++) {
            const virTypedParameter& parameter = records[index]->params[p];
            if (std::string(parameter.field) == "state.state" && parameter.type == VIR_TYPED_PARAM_INT) entry.state = parameter.value.i;
          }
          entry.persistent = transientUuids.count(entry.identity.uuid) == 0;
          listed.push_back(records[index]->dom);
          out.push_back(std::move(entry));
        }
        KeepOnlyDomainHandles(listed);
        virDomainStatsRecordListFree(records);
        return true;
      },
      [](Napi::Env env, std::vector<ListedDomainState>& entries) -> Napi::Value {
        Napi::Array array = Napi::Array::New(env, entries.size());
        for (size_t index = 0; index < entries.size(); index++) {
          Napi::Object record = IdentityToJs(env, entries[index].identity).As<Napi::Object>();
          record.Set("state", Napi::Number::New(env, entries[index].state));
          record.Set("persistent", Napi::Boolean::New(env, entries[index].persistent));
          array.Set(index, record);
        }
        return array;
      });
}

// One domain's definition as getXMLDescs answers it.
struct DomainXml {
  std::string uuid;
  std::string xml;
};

// The XML (flags) of each of the domains info[0] (UUIDs) in one lane job, one RPC each, from the
// cached handles (those of the last listDomainStates: no lookups). A domain that is gone is left
// out (and its handle forgotten); any other failure fails the whole call. The reads stay on the
// lane thread, one at a time: two threads inside calls on one connection are what libvirt 9.0's
// keepalive crash needs (libs/libvirt-native/README.md), and when tried here (two threads each
// reading half) libvirt's client handed the socket between them for every reply, for 2.5 times
// the CPU and 1.5 times the time.
Napi::Value Connection::GetXMLDescs(const Napi::CallbackInfo& info) {
  if (info.Length() < 1 || !info[0].IsArray()) throw Napi::TypeError::New(info.Env(), "uuids must be an array of strings");
  Napi::Array given = info[0].As<Napi::Array>();
  std::vector<std::string> uuids;
  uuids.reserve(given.Length());
  for (uint32_t index = 0; index < given.Length(); index++) {
    Napi::Value uuid = given.Get(index);
    if (!uuid.IsString()) throw Napi::TypeError::New(info.Env(), "uuids must be an array of strings");
    uuids.push_back(uuid.As<Napi::String>().Utf8Value());
  }
  unsigned int flags = FlagsArg(info, 1);
  return Call<std::vector<DomainXml>>(
      info.Env(), "vnfm-libvirt-xmls",
      [uuids = std::move(uuids), flags](virConnectPtr conn, std::vector<DomainXml>& out, LibvirtFailure& failure) {
        out.reserve(uuids.size());
        for (const std::string& uuid : uuids) {
          virDomainPtr domain = DomainHandleFor(conn, uuid, failure);
          char* xml = domain == nullptr ? nullptr : virDomainGetXMLDesc(domain, flags);
          if (xml == nullptr) {
            if (domain != nullptr) failure = CaptureLastError("cannot get the domain XML");
            if (failure.code != VIR_ERR_NO_DOMAIN) return false;
            ForgetDomainHandle(uuid);
            failure = LibvirtFailure{};
            continue;
          }
          out.push_back(DomainXml{uuid, xml});
          free(xml);
        }
        return true;
      },
      [](Napi::Env env, std::vector<DomainXml>& entries) -> Napi::Value {
        Napi::Array array = Napi::Array::New(env, entries.size());
        for (size_t index = 0; index < entries.size(); index++) {
          Napi::Object record = Napi::Object::New(env);
          record.Set("uuid", entries[index].uuid);
          record.Set("xml", Napi::String::New(env, entries[index].xml));
          array.Set(index, record);
        }
        return array;
      });
}

Napi::Value Connection::DefineXML(const Napi::CallbackInfo& info) {
  std::string xml = StringArg(info, 0, "xml");
  unsigned int flags = FlagsArg(info, 1);
  return Call<DomainIdentity>(
      info.Env(), "vnfm-libvirt-define",
      [xml, flags](virConnectPtr conn, DomainIdentity& out, LibvirtFailure& failure) {
        virDomainPtr domain = virDomainDefineXMLFlags(conn, xml.c_str(), flags);
        if (domain == nullptr) {
          failure = CaptureLastError("cannot define the domain");
          return false;
        }
        out = IdentityOf(domain);
        RememberDomainHandle(domain);
        return true;
      },
      IdentityToJs);
}

static Napi::Value Lookup(Connection* self, const Napi::CallbackInfo& info, const char* name, virDomainPtr (*lookup)(virConnectPtr, const char*)) {
  std::string key = StringArg(info, 0, "key");
  return self->Call<DomainIdentity>(
      info.Env(), name,
      [key, lookup](virConnectPtr conn, DomainIdentity& out, LibvirtFailure& failure) {
        virDomainPtr domain = lookup(conn, key.c_str());
        if (domain == nullptr) {
          failure = CaptureLastError("domain not found");
          return false;
        }
        out = IdentityOf(domain);
        virDomainFree(domain);
        return true;
      },
      IdentityToJs);
}

Napi::Value Connection::LookupByName(const Napi::CallbackInfo& info) { return Lookup(this, info, "vnfm-libvirt-lookup-name", virDomainLookupByName); }
Napi::Value Connection::LookupByUUID(const Napi::CallbackInfo& info) { return Lookup(this, info, "vnfm-libvirt-lookup-uuid", virDomainLookupByUUIDString); }

// The handle is dropped once undefined (a domain that was running and stays transient is looked
// up again by its next call), so deleted domains do not pile up in the cache.
Napi::Value Connection::Undefine(const Napi::CallbackInfo& info) {
  unsigned int flags = FlagsArg(info, 1);
  std::string uuid = StringArg(info, 0, "uuid");
  return OnDomain<int>(
      info, "vnfm-libvirt-undefine",
      [flags, uuid](virDomainPtr domain, int& out, LibvirtFailure& failure) {
        out = virDomainUndefineFlags(domain, flags);
        if (out < 0) {
          failure = CaptureLastError("cannot undefine the domain");
          return false;
        }
        ForgetDomainHandle(uuid);
        return true;
      },
      Undefined);
}
Napi::Value Connection::Create(const Napi::CallbackInfo& info) {
  unsigned int flags = FlagsArg(info, 1);
  return OnDomainVoid(info, "cannot start the domain", [flags](virDomainPtr d) { return virDomainCreateWithFlags(d, flags); });
}
Napi::Value Connection::Destroy(const Napi::CallbackInfo& info) {
  unsigned int flags = FlagsArg(info, 1);
  return OnDomainVoid(info, "cannot destroy the domain", [flags](virDomainPtr d) { return virDomainDestroyFlags(d, flags); });
}
Napi::Value Connection::Shutdown(const Napi::CallbackInfo& info) {
  unsigned int flags = FlagsArg(info, 1);
  return OnDomainVoid(info, "cannot shut the domain down", [flags](virDomainPtr d) { return virDomainShutdownFlags(d, flags); });
}
Napi::Value Connection::Reboot(const Napi::CallbackInfo& info) {
  unsigned int flags = FlagsArg(info, 1);
  return OnDomainVoid(info, "cannot reboot the domain", [flags](virDomainPtr d) { return virDomainReboot(d, flags); });
}
Napi::Value Connection::Reset(const Napi::CallbackInfo& info) {
  return OnDomainVoid(info, "cannot reset the domain", [](virDomainPtr d) { return virDomainReset(d, 0); });
}
Napi::Value Connection::Suspend(const Napi::CallbackInfo& info) {
  return OnDomainVoid(info, "cannot suspend the domain", virDomainSuspend);
}
Napi::Value Connection::Resume(const Napi::CallbackInfo& info) {
  return OnDomainVoid(info, "cannot resume the domain", virDomainResume);
}

Napi::Value Connection::GetState(const Napi::CallbackInfo& info) {
  return OnDomain<std::pair<int, int>>(
      info, "vnfm-libvirt-state",
      [](virDomainPtr domain, std::pair<int, int>& out, LibvirtFailure& failure) {
        if (virDomainGetState(domain, &out.first, &out.second, 0) == 0) return true;
        failure = CaptureLastError("cannot get the domain state");
        return false;
      },
      [](Napi::Env env, std::pair<int, int>& state) -> Napi::Value {
        Napi::Object object = Napi::Object::New(env);
        object.Set("state", state.first);
        object.Set("reason", state.second);
        return object;
      });
}

Napi::Value Connection::IsActive(const Napi::CallbackInfo& info) {
  return OnDomain<int>(info, "vnfm-libvirt-is-active", Predicate(virDomainIsActive, "cannot tell whether the domain is active"), Boolean);
}
Napi::Value Connection::IsPersistent(const Napi::CallbackInfo& info) {
  return OnDomain<int>(info, "vnfm-libvirt-is-persistent", Predicate(virDomainIsPersistent, "cannot tell whether the domain is persistent"), Boolean);
}

Napi::Value Connection::GetAutostart(const Napi::CallbackInfo& info) {
  return OnDomain<int>(
      info, "vnfm-libvirt-get-autostart",
      [](virDomainPtr domain, int& out, LibvirtFailure& failure) {
        if (virDomainGetAutostart(domain, &out) == 0) return true;
        failure = CaptureLastError("cannot read autostart");
        return false;
      },
      Boolean);
}
Napi::Value Connection::SetAutostart(const Napi::CallbackInfo& info) {
  if (info.Length() < 2 || !info[1].IsBoolean()) throw Napi::TypeError::New(info.Env(), "autostart must be a boolean");
  int autostart = info[1].As<Napi::Boolean>().Value() ? 1 : 0;
  return OnDomainVoid(info, "cannot set autostart", [autostart](virDomainPtr d) { return virDomainSetAutostart(d, autostart); });
}

Napi::Value Connection::GetXMLDesc(const Napi::CallbackInfo& info) {
  unsigned int flags = FlagsArg(info, 1);
  return OnDomain<OwnedText>(
      info, "vnfm-libvirt-xml",
      [flags](virDomainPtr domain, OwnedText& out, LibvirtFailure& failure) {
        return TakeText(virDomainGetXMLDesc(domain, flags), out, failure, "cannot get the domain XML");
      },
      TextToJs);
}

static Napi::Value DeviceCall(Connection* self, const Napi::CallbackInfo& info, const char* what, int (*call)(virDomainPtr, const char*, unsigned int)) {
  std::string xml = StringArg(info, 1, "xml");
  unsigned int flags = FlagsArg(info, 2);
  return self->OnDomainVoid(info, what, [call, xml, flags](virDomainPtr d) { return call(d, xml.c_str(), flags); });
}
Napi::Value Connection::AttachDevice(const Napi::CallbackInfo& info) { return DeviceCall(this, info, "cannot attach the device", virDomainAttachDeviceFlags); }
Napi::Value Connection::DetachDevice(const Napi::CallbackInfo& info) { return DeviceCall(this, info, "cannot detach the device", virDomainDetachDeviceFlags); }
Napi::Value Connection::UpdateDevice(const Napi::CallbackInfo& info) { return DeviceCall(this, info, "cannot update the device", virDomainUpdateDeviceFlags); }

Napi::Value Connection::GetMetadata(const Napi::CallbackInfo& info) {
  int type = IntArg(info, 1, "type");
  auto uri = OptionalStringArg(info, 2, "uri");
  unsigned int flags = FlagsArg(info, 3);
  return OnDomain<OwnedText>(
      info, "vnfm-libvirt-get-metadata",
      [type, uri, flags](virDomainPtr domain, OwnedText& out, LibvirtFailure& failure) {
        return TakeText(virDomainGetMetadata(domain, type, CStr(uri), flags), out, failure, "no such metadata");
      },
      TextToJs);
}

Napi::Value Connection::SetMetadata(const Napi::CallbackInfo& info) {
  int type = IntArg(info, 1, "type");
  auto metadata = OptionalStringArg(info, 2, "metadata");
  auto key = OptionalStringArg(info, 3, "key");
  auto uri = OptionalStringArg(info, 4, "uri");
  unsigned int flags = FlagsArg(info, 5);
  return OnDomainVoid(info, "cannot set metadata", [type, metadata, key, uri, flags](virDomainPtr d) {
    return virDomainSetMetadata(d, type, CStr(metadata), CStr(key), CStr(uri), flags);
  });
}
