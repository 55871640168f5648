/**
 * One example of each kind of VNF request, shown in the OpenAPI document and sent by its test
 * to the running API as a dry run. Device names are the ones the fixture hosts of the tests
 * have (a Layerscape DPRC, an Intel SR-IOV VF, a vfio-bound PCI function).
 */
export const REQUEST_EXAMPLES = {
  dpaa2: {
    summary: 'DPAA2 firewall on a Layerscape host: a whole DPRC, pinned vCPUs, hugepages, direct kernel boot',
    value: {
      name: 'dpaa2-fw-1',
      description: 'edge firewall',
      vcpus: 2,
      memoryMiB: 2048,
      arch: 'aarch64',
      cpu: { vcpuPins: ['2', '3'], emulatorPin: '0-1' },
      hugepages: { pageSizeKiB: 2048 },
      boot: { kernel: '/var/lib/vnfm/images/Image', initrd: '/var/lib/vnfm/images/initrd', cmdline: 'console=ttyAMA0 root=/dev/vda rw' },
      disks: [{ path: '/var/lib/vnfm/images/fw-1.qcow2', format: 'qcow2' }],
      hostDevices: [{ type: 'fsl-mc', container: 'dprc.2' }],
    },
  },
  ovsDpdk: {
    summary: 'OVS-DPDK router on x86: two vhost-user ports on 1 GiB hugepages, NUMA-local',
    value: {
      name: 'ovs-dpdk-1',
      vcpus: 4,
      memoryMiB: 4096,
      arch: 'x86_64',
      cpu: { vcpuPins: ['2', '3', '4', '5'], emulatorPin: '0-1' },
      numaNode: 0,
      hugepages: { pageSizeKiB: 1048576 },
      disks: [{ path: '/var/lib/vnfm/images/router.qcow2', format: 'qcow2', iothread: true }],
      interfaces: [
        { type: 'bridge', bridge: 'br-mgmt' },
        { type: 'vhostuser', socket: '/var/run/openvswitch/vhu-router-0', queues: 4 },
        { type: 'vhostuser', socket: '/var/run/openvswitch/vhu-router-1', queues: 4 },
      ],
    },
  },
  sriov: {
    summary: 'SR-IOV: a VF as a hostdev interface with its VLAN, plus a management NIC',
    value: {
      name: 'sriov-gw-1',
      vcpus: 2,
      memoryMiB: 1024,
      arch: 'x86_64',
      interfaces: [
        { type: 'user' },
        { type: 'sriov-vf', address: '0000:03:02.0', vlan: 200 },
      ],
    },
  },
  pci: {
    summary: 'PCI passthrough: a whole vfio-bound function, and one picked by vendor and device',
    value: {
      name: 'pci-dpi-1',
      vcpus: 2,
      memoryMiB: 2048,
      arch: 'x86_64',
      hostDevices: [
        { type: 'vfio-pci', address: '0000:04:00.0' },
        { type: 'vfio-pci', select: { vendor: '8086', device: '154c' } },
      ],
    },
  },
} as const;
