#!/bin/sh
# collect-machine.sh: write what DAX Poison Lab needs to import this machine
# (`node dist/cli.js import <dir>`, or Import Machine… in VS Code) into one
# folder. Read-only: it runs listing commands and reads /proc and /sys, and
# changes nothing. Run it as root to see physical addresses, badblocks, the
# reverse map and other users' mappings; without root it collects what it can.
# Every command that failed or was missing is listed in collect-errors.txt,
# one line each: the output file, the command, and why.
#
#   sh scripts/collect-machine.sh [-o DIR] [-n N] [FILE...]
#
#   -o DIR   output folder (default ./machine-<hostname>-<date>); must not exist or be empty
#   -n N     with no FILE given, the N largest regular files on each DAX
#            filesystem (default 8)
#   FILE     files whose extents and mappers to collect
#
# POSIX sh and standard tools only (ndctl, daxctl, cxl, dmsetup, findmnt, xfs_info,
# xfs_io, filefrag, dmesg, find, sort, sed); any of them may be missing.
set -u

usage() {
	echo "usage: $0 [-o DIR] [-n N] [FILE...]" >&2
	exit 2
}

OUT=""
TOPN=8
while getopts o:n:h opt; do
	case "$opt" in
	o) OUT=$OPTARG ;;
	n) TOPN=$OPTARG ;;
	*) usage ;;
	esac
done
shift $((OPTIND - 1))
case "$TOPN" in '' | *[!0-9]*) echo "$0: -n needs a number, not '$TOPN'" >&2; exit 2 ;; esac
if [ -z "$OUT" ]; then
	OUT="./machine-$(uname -n 2>/dev/null || echo host)-$(date +%Y%m%d-%H%M%S 2>/dev/null || echo now)"
fi
if [ -e "$OUT" ] && [ -n "$(ls -A "$OUT" 2>/dev/null)" ]; then
	echo "$0: $OUT exists and is not empty; give another -o" >&2
	exit 2
fi
mkdir -p "$OUT" || exit 2
ERR="$OUT/collect-errors.txt"
: >"$ERR"
# the C locale: numbers, dates and messages as the importer reads them
LC_ALL=C
export LC_ALL

# note FILE COMMAND REASON: one line of collect-errors.txt
note() {
	printf '%s\t%s\t%s\n' "$1" "$2" "$3" | tr -d '\r' >>"$ERR"
}

have() {
	command -v "$1" >/dev/null 2>&1
}

# run FILE CMD ARGS...: CMD's output into FILE; a failure is noted with its stderr
run() {
	_out=$1
	shift
	if ! have "$1"; then
		note "$_out" "$*" "command not found"
		return 1
	fi
	"$@" >"$OUT/$_out" 2>"$OUT/.stderr"
	_rc=$?
	if [ "$_rc" -eq 0 ]; then
		rm -f "$OUT/.stderr"
		return 0
	fi
	note "$_out" "$*" "exit $_rc: $(head -c 300 "$OUT/.stderr" | tr '\n\t' '  ')"
	rm -f "$OUT/.stderr"
	[ -s "$OUT/$_out" ] || rm -f "$OUT/$_out"
	return 1
}

# copy FILE SOURCE: a file from /proc or /sys
copy() {
	if [ ! -r "$2" ]; then
		note "$1" "cat $2" "not readable$( [ -e "$2" ] || echo ' (does not exist)')"
		return 1
	fi
	if ! cat "$2" >"$OUT/$1" 2>/dev/null; then
		note "$1" "cat $2" "read failed"
		rm -f "$OUT/$1"
		return 1
	fi
}

{
	echo "collector: dax-poison-lab collect-machine 1"
	echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ 2>/dev/null)"
	echo "uid: $(id -u 2>/dev/null)"
	if [ -r /proc/sys/kernel/random/boot_id ]; then echo "boot_id: $(cat /proc/sys/kernel/random/boot_id)"; fi
	echo "args: $*"
} >"$OUT/manifest.txt"

run uname-r.txt uname -r

# the memory-failure knobs
: >"$OUT/sysctl-vm.txt"
for k in memory_failure_early_kill memory_failure_recovery; do
	if [ -r "/proc/sys/vm/$k" ]; then
		printf 'vm.%s = %s\n' "$k" "$(cat "/proc/sys/vm/$k")" >>"$OUT/sysctl-vm.txt"
	else
		note sysctl-vm.txt "cat /proc/sys/vm/$k" "not readable"
	fi
done

# NVDIMM, device-dax and CXL topology, with media errors (exact numbers: no -u)
run ndctl-list.json ndctl list -BDRNM -vvv
run daxctl-list.json daxctl list -DRM
run cxl-list.json cxl list -vvv
if have cxl && cxl list --help 2>&1 | grep -q -- '--media-errors'; then
	run cxl-media-errors.json cxl list -vvv --media-errors
else
	note cxl-media-errors.json "cxl list --media-errors" "not supported by this cxl (or cxl missing)"
fi

# sysfs of the nd bus: where each region, namespace, pfn and dax device sits
S=/sys/bus/nd/devices
if [ -d "$S" ]; then
	: >"$OUT/sysfs-nd.txt"
	for d in "$S"/*; do
		[ -e "$d" ] || continue
		for a in devtype resource size align mode namespace sector_size; do
			if [ -r "$d/$a" ]; then
				v=$(cat "$d/$a" 2>/dev/null) || v="?unreadable"
				printf '%s %s %s\n' "${d##*/}" "$a" "$v" >>"$OUT/sysfs-nd.txt"
			fi
		done
	done
else
	note sysfs-nd.txt "ls $S" "no nd bus (libnvdimm not loaded?)"
fi

# badblocks: every block device's and every region's
mkdir -p "$OUT/badblocks"
for b in /sys/block/*/badblocks "$S"/region*/badblocks; do
	[ -e "$b" ] || continue
	n=${b%/badblocks}
	n=${n##*/}
	copy "badblocks/$n" "$b"
done

# physical address map: persistent memory and what sits in it
if [ -r /proc/iomem ]; then
	grep -i -E 'persistent|namespace|pmem|dax|cxl|soft reserved|reserved' /proc/iomem >"$OUT/iomem.txt" 2>/dev/null
	if [ "$(id -u 2>/dev/null)" != 0 ]; then
		note iomem.txt "cat /proc/iomem" "not root: addresses read as 0"
	fi
else
	note iomem.txt "cat /proc/iomem" "not readable"
fi

# device-mapper stacks: each dm device's table (devices as major:minor) and,
# from sysfs, its name, its major:minor and the devices under it; and every
# pmem device's major:minor, so the table's devices can be named
dm=
for d in /sys/block/dm-*; do
	[ -d "$d" ] && dm=1
done
if [ -n "$dm" ]; then
	run dmsetup-table.txt dmsetup table
	: >"$OUT/dm-sysfs.txt"
	for d in /sys/block/dm-* /sys/block/pmem*; do
		[ -r "$d/dev" ] || continue
		n=${d##*/}
		printf '%s dev %s\n' "$n" "$(cat "$d/dev")" >>"$OUT/dm-sysfs.txt"
		[ -r "$d/dm/name" ] && printf '%s name %s\n' "$n" "$(cat "$d/dm/name")" >>"$OUT/dm-sysfs.txt"
		if [ -d "$d/slaves" ]; then
			sl=
			for x in "$d"/slaves/*; do
				[ -e "$x" ] && sl="$sl${x##*/} "
			done
			printf '%s slaves %s\n' "$n" "$sl" >>"$OUT/dm-sysfs.txt"
		fi
	done
fi

run findmnt.json findmnt -J -o TARGET,SOURCE,FSTYPE,OPTIONS,MAJ:MIN

# DAX-capable filesystems: mounted from /dev/pmem*, /dev/dm-* or /dev/mapper/*
# with a dax option, or any xfs/ext4 on pmem
mounts=$(awk '($3 == "xfs" || $3 == "ext4") && ($1 ~ /^\/dev\/(pmem|dm-|mapper\/)/ || $4 ~ /(^|,)dax/) { print $2 }' /proc/self/mounts 2>/dev/null)
i=0
: >"$OUT/filesystems.txt"
for m in $mounts; do
	i=$((i + 1))
	fstype=$(awk -v m="$m" '$2 == m { print $3; exit }' /proc/self/mounts)
	printf 'fs%d %s %s\n' "$i" "$fstype" "$m" >>"$OUT/filesystems.txt"
	if [ "$fstype" = xfs ]; then
		run "fs$i.xfs_info.txt" xfs_info "$m"
		run "fs$i.fsmap.txt" xfs_io -r -c 'fsmap -d -v' "$m"
	else
		dev=$(awk -v m="$m" '$2 == m { print $1; exit }' /proc/self/mounts)
		run "fs$i.dumpe2fs.txt" dumpe2fs -h "$dev"
	fi
done

# files: as named, or the largest on each DAX filesystem
: >"$OUT/files.txt"
if [ $# -gt 0 ]; then
	for f in "$@"; do printf '%s\n' "$f" >>"$OUT/files.txt"; done
else
	for m in $mounts; do
		find "$m" -xdev -type f -size +0 -exec ls -ln {} + 2>/dev/null |
			sort -k5,5nr | head -n "$TOPN" |
			sed 's/^\([^ ]* *\)\{8\}//' >>"$OUT/files.txt"
	done
fi
mkdir -p "$OUT/files"
j=0
while IFS= read -r f; do
	[ -n "$f" ] || continue
	j=$((j + 1))
	printf '%s\n' "$f" >"$OUT/files/$j.path"
	run "files/$j.stat.txt" stat -c '%i %s %F' "$f"
	run "files/$j.filefrag.txt" filefrag -v "$f"
done <"$OUT/files.txt"

# processes that map those files (or any DAX device): their maps and comm
mkdir -p "$OUT/proc"
for p in /proc/[0-9]*; do
	pid=${p#/proc/}
	[ -r "$p/maps" ] || continue
	hit=""
	while IFS= read -r f; do
		[ -n "$f" ] || continue
		if grep -F -q -e " $f" "$p/maps" 2>/dev/null; then hit=1; break; fi
	done <"$OUT/files.txt"
	if [ -z "$hit" ] && grep -E -q ' /dev/dax[0-9]' "$p/maps" 2>/dev/null; then hit=1; fi
	[ -n "$hit" ] || continue
	mkdir -p "$OUT/proc/$pid"
	copy "proc/$pid/maps" "$p/maps"
	copy "proc/$pid/comm" "$p/comm"
	if [ -r "$p/status" ]; then grep -E '^(Name|Pid):' "$p/status" >"$OUT/proc/$pid/status" 2>/dev/null; fi
done
if [ "$(id -u 2>/dev/null)" != 0 ]; then
	note proc "ls /proc/*/maps" "not root: other users' processes are not visible"
fi

# the tail of the kernel's lines about memory failures
if have dmesg; then
	if dmesg >"$OUT/.dmesg" 2>/dev/null; then
		grep -E 'Memory failure|memory_failure|MCE|mce:|Hardware Error|hwpoison|badblock|nfit|pmem|dax|XFS|EXT4|cxl' "$OUT/.dmesg" | tail -n 500 >"$OUT/dmesg-tail.txt"
	else
		note dmesg-tail.txt dmesg "not permitted (kernel.dmesg_restrict?)"
	fi
	rm -f "$OUT/.dmesg"
else
	note dmesg-tail.txt dmesg "command not found"
fi

echo "$OUT"
