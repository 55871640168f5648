/*
 * The C floor vnfm's bench compares against: the same libvirt work with nothing on top.
 *
 *   libvirt-floor read URI ROUNDS          list every domain + virDomainGetXMLDesc(INACTIVE) of
 *                                          each, ROUNDS times; prints one wall time (ms) a line
 *   libvirt-floor destroy-start URI NAME.. destroy each named domain, then start each; prints
 *                                          the wall time (ms) of both
 *
 * Times are taken after the connection is open (vnfm's connection is long-lived too).
 * Built by the bench: cc -O2 libvirt-floor.c $(pkg-config --cflags --libs libvirt)
 */
#include <libvirt/libvirt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int read_all(virConnectPtr conn) {
  virDomainPtr *domains = NULL;
  int count = virConnectListAllDomains(conn, &domains, 0);
  if (count < 0) return -1;
  int failed = 0;
  for (int i = 0; i < count; i++) {
    char *xml = virDomainGetXMLDesc(domains[i], VIR_DOMAIN_XML_INACTIVE);
    if (xml == NULL) failed = 1;
    free(xml);
    virDomainFree(domains[i]);
  }
  free(domains);
  return failed ? -1 : count;
}

static int destroy_start(virConnectPtr conn, int count, char **names) {
  for (int pass = 0; pass < 2; pass++) {
    for (int i = 0; i < count; i++) {
      virDomainPtr domain = virDomainLookupByName(conn, names[i]);
      if (domain == NULL) return -1;
      int rc = pass == 0 ? virDomainDestroy(domain) : virDomainCreate(domain);
      virDomainFree(domain);
      if (rc < 0) return -1;
    }
  }
  return 0;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s read URI ROUNDS | destroy-start URI NAME...\n", argv[0]);
    return 2;
  }
  virConnectPtr conn = virConnectOpen(argv[2]);
  if (conn == NULL) return 1;
  int rc = 0;
  if (strcmp(argv[1], "read") == 0) {
    int rounds = argc > 3 ? atoi(argv[3]) : 1;
    for (int round = 0; round < rounds && rc == 0; round++) {
      double started = now_ms();
      if (read_all(conn) < 0) rc = 1;
      printf("%.3f\n", now_ms() - started);
    }
  } else if (strcmp(argv[1], "destroy-start") == 0) {
    double started = now_ms();
    if (destroy_start(conn, argc - 3, argv + 3) < 0) rc = 1;
    printf("%.3f\n", now_ms() - started);
  } else {
    rc = 2;
  }
  virConnectClose(conn);
  return rc;
}
