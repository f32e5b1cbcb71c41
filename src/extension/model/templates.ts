// Starting points for a new scenario (DAX Poison Lab: New Scenario). Each is
// a complete, valid scenario that a unit test loads and runs.

export interface Template {
  id: string;
  label: string;
  detail: string;
  text: string;
}

const HEADER = (name: string, description: string) => `version: 1
name: ${name}
description: >
  ${description}
`;

export const TEMPLATES: readonly Template[] = [
  {
    id: 'dax-file',
    label: 'A DAX-mapped file on XFS',
    detail: 'one fsdax namespace, XFS with rmapbt and reflink, one file mapped by one process; no events yet',
    text: `${HEADER('a DAX-mapped file on XFS', 'One pmem namespace in fsdax mode with XFS mounted -o dax=always. A process maps a file and faults it in. Add events by hand (Inject Poison, Consume, Read/Write) and save the session.')}kernel: { design: upstream, earlyKill: false }
platform:
  regions:
    - { id: region0, spa: 0x240000000, size: 1GiB }
  namespaces:
    - { id: namespace0.0, region: region0, mode: fsdax, device: pmem0 }
filesystems:
  - { device: pmem0, type: xfs, mount: /mnt/pmem, dax: always }
files:
  - { path: /mnt/pmem/data, size: 64KiB, fill: 0x61 }
processes:
  - pid: 1000
    comm: app
    mappings:
      - { id: m0, file: /mnt/pmem/data, length: 64KiB, populate: true }
events: []
`,
  },
  {
    id: 'reflink',
    label: 'Two reflinked files, two processes',
    detail: 'cp --reflink=always: every block has two owners in the reverse map',
    text: `${HEADER('two reflinked files', 'A file and its whole-file clone, each mapped by one process with early kill. Poison a shared block and watch the reverse-map walk reach both owners.')}kernel: { design: upstream }
platform:
  regions:
    - { id: region0, spa: 0x240000000, size: 1GiB }
  namespaces:
    - { id: namespace0.0, region: region0, mode: fsdax, device: pmem0 }
filesystems:
  - { device: pmem0, type: xfs, mount: /mnt/pmem, rmapbt: true, reflink: true }
files:
  - { path: /mnt/pmem/original, size: 64KiB, fill: 0x61 }
  - { path: /mnt/pmem/clone, reflink: /mnt/pmem/original }
processes:
  - pid: 1000
    comm: reader
    mceKill: early
    mappings:
      - { id: m0, file: /mnt/pmem/original, length: 64KiB, populate: true }
  - pid: 1001
    comm: writer
    mceKill: early
    mappings:
      - { id: m0, file: /mnt/pmem/clone, length: 64KiB, populate: true }
events: []
`,
  },
  {
    id: 'bare',
    label: 'A bare fsdax namespace',
    detail: 'a region and one fsdax namespace, no filesystem: inject, scrub and clear errors on the block device',
    text: `${HEADER('a bare fsdax namespace', 'One region with one fsdax namespace and nothing on it. Media errors, scrubs, badblocks and clear-errors on the block device alone.')}platform:
  regions:
    - { id: region0, spa: 0x240000000, size: 256MiB }
  namespaces:
    - { id: namespace0.0, region: region0, mode: fsdax, device: pmem0 }
processes:
  - { pid: 1000, comm: dd }
events:
  - { do: media-error, device: pmem0, sector: 8 }
  - { do: scrub }
`,
  },
];
