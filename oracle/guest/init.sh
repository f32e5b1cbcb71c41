#!/bin/sh
# /init of the oracle guest (busybox sh). Mounts the pseudo filesystems,
# loads the NVDIMM/DAX/filesystem modules, runs the scenario's setup script
# and its plan (both appended to the initramfs by the host as /plan/*), and
# powers off. Every result goes to the second serial port as "@@ {json}"
# records; the first one is the console.
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mkdir -p /run /tmp /mnt /var/tmp
OUT=/dev/ttyS1
stty -F $OUT raw -echo 2>/dev/null
note() { /bin/poisonlab note "$1" "$2" >> $OUT; }
emit() { /bin/poisonlab emit "$1" "$2" >> $OUT; }
fail() {
	note setup-failed "$1"
	[ -n "$2" ] && emit "$1" "$2"
	sync
	poweroff -f
}
note boot "$(cat /proc/version)"
for m in $(cat /etc/oracle-modules); do
	insmod "/lib/modules/$m" 2>/tmp/insmod.err || case "$m" in *crc32c-intel*) ;; *) note insmod-failed "$m: $(cat /tmp/insmod.err)";; esac
done
if [ -f /plan/setup.sh ]; then
	. /plan/setup.sh
else
	fail "no /plan/setup.sh"
fi
/bin/poisonlab /plan/plan.txt $OUT
note poweroff ""
sync
poweroff -f
