# Sourced by overhead.sh, cpu-split.sh and threads.sh: where the kernel runs each side's TCP
# receive path when client and server share the loopback interface.
#
# On loopback the sender's CPU runs the receiver's TCP receive and wake-up: the server's
# CPU pays for the benchmark client's receive of every response (about a fifth of the
# server's CPU for /status), and wrk's CPU for the server's receive of every request. With
# a client on another machine each side pays for its own receive. RFS (receive flow
# steering) gives loopback that topology: each packet is received on the CPU where its
# socket's reader last ran (the server's packets on the server CPU, wrk's on the client
# CPU).
#
# RFS=on|off|auto (default auto: on when the settings are writable, i.e. as root, in the
# scripts that load one JVM at a time). The previous settings are restored by
# steering_restore (call it from the EXIT trap). With two JVMs loaded at once on one CPU,
# each one's receive runs in softirq in whichever thread the IPI interrupts, so their CPU
# times bill each other: overhead.sh (MODE=together) and threads.sh leave it off on auto.
RFS=${RFS:-auto}
STEERING_SAVED=""

steering_setup() {
  local cpus=/sys/class/net/lo/queues/rx-0/rps_cpus flows=/sys/class/net/lo/queues/rx-0/rps_flow_cnt
  local entries=/proc/sys/net/core/rps_sock_flow_entries
  case $RFS in
    off) STEERING="loopback default (the sender's CPU runs the receiver's TCP receive)"; return ;;
    on|auto) ;;
    *) echo "RFS must be on, off or auto" >&2; exit 1 ;;
  esac
  if [ ! -w "$cpus" ] || [ ! -w "$entries" ] || [ ! -w "$flows" ]; then
    [ "$RFS" = on ] && { echo "RFS=on needs write access to $cpus and $entries (root)" >&2; exit 1; }
    STEERING="loopback default (RFS not writable here: the server's CPU also runs the client's TCP receive)"
    return
  fi
  STEERING_SAVED="$(cat "$cpus") $(cat "$flows") $(cat "$entries")"
  # Every CPU may receive; each flow goes to the CPU of its reader.
  printf '%x\n' $(( (1 << $(nproc --all)) - 1 )) > "$cpus"
  echo 32768 > "$flows"
  echo 32768 > "$entries"
  STEERING="RFS on lo (each side's TCP receive on its reader's CPU, as with a remote client)"
}

steering_restore() {
  [ -z "$STEERING_SAVED" ] && return 0
  set -- $STEERING_SAVED
  echo "$1" > /sys/class/net/lo/queues/rx-0/rps_cpus
  echo "$2" > /sys/class/net/lo/queues/rx-0/rps_flow_cnt
  echo "$3" > /proc/sys/net/core/rps_sock_flow_entries
  STEERING_SAVED=""
}
