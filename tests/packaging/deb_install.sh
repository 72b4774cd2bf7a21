#!/bin/sh
# Runs inside `unshare --mount` (so the /proc mount goes with it), as root, from
# tests/packaging/test_deb_install.py: install the .deb into the Debian root $R the way an
# operator would, make it pass config check, serve one request there without systemd, then
# reinstall (upgrade path), remove and purge. Each step leaves its output in $R/tmp/t/.
set -eu
R=$1 DEB=$2 MODEL=$3 PORT=$4 MPORT=$5
T=$R/tmp/t
mkdir -p "$T"
mount -t proc proc "$R/proc"
cp /etc/resolv.conf "$R/etc/resolv.conf"
cp "$DEB" "$R/tmp/llm-appliance.deb"
in_root() { chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    DEBIAN_FRONTEND=noninteractive HOME=/root "$@"; }
as_daemon() { in_root setpriv --reuid=llm-appliance --regid=llm-appliance --init-groups -- "$@"; }
CONF=/etc/llm-appliance/appliance.toml

in_root apt-get update -qq > "$T/apt-update.log" 2>&1
# apt resolves the Depends from Debian; the postinst has to create the user and directories
# and refuse to start with the shipped config (no officer key, no models yet).
in_root apt-get install -y -qq /tmp/llm-appliance.deb > "$T/install.log" 2>&1 \
    && echo 0 > "$T/install.rc" || { echo $? > "$T/install.rc"; exit 1; }
in_root appliance config check --config $CONF > "$T/check-fresh.log" 2>&1 \
    && echo 0 > "$T/check-fresh.rc" || echo $? > "$T/check-fresh.rc"
in_root stat -c '%U:%G %a %n' /etc/llm-appliance $CONF /var/lib/llm-appliance \
    /var/lib/llm-appliance/audit /var/lib/llm-appliance/models > "$T/modes.txt"

# What docs/operations.md tells the operator to do.
in_root appliance audit keygen --out /root/officer > "$T/keygen.log" 2>&1
install -m 0640 "$R/root/officer/officer.pub" "$R/etc/llm-appliance/officer.pub"
in_root chgrp llm-appliance /etc/llm-appliance/officer.pub
install -m 0640 "$MODEL" "$R/var/lib/llm-appliance/models/v3.gguf"
ln -s v3.gguf "$R/var/lib/llm-appliance/models/r1.gguf"
in_root chown -h llm-appliance:llm-appliance /var/lib/llm-appliance/models/v3.gguf \
    /var/lib/llm-appliance/models/r1.gguf
sed -i -e "s/^listen = \"127.0.0.1:50051\"/listen = \"127.0.0.1:$PORT\"/" \
    -e "s/^listen = \"127.0.0.1:9464\"/listen = \"127.0.0.1:$MPORT\"/" "$R$CONF"
as_daemon appliance token create --name smoke --role client --config $CONF \
    --out /var/lib/llm-appliance/smoke.token > "$T/token.log" 2>&1
as_daemon appliance config check --config $CONF > "$T/check-ready.log" 2>&1 \
    && echo 0 > "$T/check-ready.rc" || echo $? > "$T/check-ready.rc"

# The daemon, as the unit would run it (its user, its config), without systemd.
# A simple command, not a function: $! must be the daemon itself, not a subshell.
chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 HOME=/root \
    setpriv --reuid=llm-appliance --regid=llm-appliance --init-groups -- \
    appliance serve --config $CONF > "$T/serve.log" 2>&1 &
SERVE=$!
i=0
until in_root appliance health --target "127.0.0.1:$PORT" > /dev/null 2>&1; do
    i=$((i + 1))
    if [ $i -gt 300 ] || ! kill -0 $SERVE 2>/dev/null; then break; fi
    sleep 1
done
as_daemon appliance ask --target "127.0.0.1:$PORT" \
    --token-file /var/lib/llm-appliance/smoke.token --json --max-tokens 16 --temperature 0 \
    "What is the capital of France?" > "$T/ask.json" 2> "$T/ask.err" || true
curl_metrics() { in_root python3 -c "import urllib.request,sys; \
sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:$MPORT/metrics', timeout=10).read().decode())"; }
curl_metrics > "$T/metrics.txt" 2>&1 || true
kill -TERM $SERVE 2>/dev/null || true
wait $SERVE && echo 0 > "$T/serve.rc" || echo $? > "$T/serve.rc"
in_root appliance audit verify --dir /var/lib/llm-appliance/audit --key /root/officer/officer.key \
    > "$T/verify.log" 2>&1 && echo 0 > "$T/verify.rc" || echo $? > "$T/verify.rc"

# Upgrade path: installing the package again keeps the edited conffile and the audit log.
in_root dpkg -i --force-confold /tmp/llm-appliance.deb > "$T/reinstall.log" 2>&1
cp "$R$CONF" "$T/conf-after-reinstall.toml"
in_root apt-get remove -y -qq llm-appliance > "$T/remove.log" 2>&1
ls -A "$R/var/lib/llm-appliance" > "$T/state-after-remove.ls"
ls -A "$R/etc/llm-appliance" > "$T/etc-after-remove.ls"
in_root apt-get purge -y -qq llm-appliance > "$T/purge.log" 2>&1
ls -A "$R/var/lib/llm-appliance" > "$T/state-after-purge.ls"
ls -A "$R/var/lib/llm-appliance/audit" > "$T/audit-after-purge.ls"
ls -A "$R/etc/llm-appliance" > "$T/etc-after-purge.ls" 2>/dev/null || true
echo done > "$T/done"
