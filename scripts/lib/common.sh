# scripts/lib/common.sh — shared by scripts/run-local and scripts/test.
# Source it; it defines functions and PETREL_ROOT, changes nothing.

PETREL_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

# Debian packages needed to build Petrel.
PETREL_BUILD_DEPS=(build-essential cmake pkg-config libev-dev libpq-dev libinih-dev
                   libssl-dev libsystemd-dev libcrypt-dev libjansson-dev libc-ares-dev
                   libopendkim-dev libpcre2-dev libspf2-dev libopendmarc-dev libmilter-dev
                   libhttp-parser-dev)

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Run a command as root: directly when we are root, else through sudo.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "need root (or sudo) for: $*"
	fi
}

# petrel_missing_packages PKG... — print the packages that are not installed.
petrel_missing_packages() {
	local pkg
	for pkg in "$@"; do
		if ! dpkg-query -W -f='${Status}\n' "$pkg" 2>/dev/null | grep -q '^install ok installed$'; then
			printf '%s\n' "$pkg"
		fi
	done
}

# petrel_install_packages PKG... — apt-get install only what is missing
# (one apt-get update first). Non-interactive; postfix is preseeded to "No
# configuration" so its package never starts an MTA on port 25.
petrel_install_packages() {
	local missing
	mapfile -t missing < <(petrel_missing_packages "$@")
	if [ "${#missing[@]}" -eq 0 ]; then
		return 0
	fi
	command -v apt-get >/dev/null 2>&1 || die "missing packages (${missing[*]}) and no apt-get"
	say "installing: ${missing[*]}"
	if printf '%s\n' "${missing[@]}" | grep -qx postfix; then
		echo "postfix postfix/main_mailer_type select No configuration" \
			| as_root debconf-set-selections
	fi
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null \
		|| die "apt-get update failed"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
		--no-install-recommends "${missing[@]}" \
		|| die "apt-get install failed: ${missing[*]}"
}

# Stop a postfix daemon the package may have started (we only need its
# smtp-source and smtp-sink tools).
petrel_stop_postfix_daemon() {
	if command -v postfix >/dev/null 2>&1 && as_root postfix status >/dev/null 2>&1; then
		say "stopping the postfix daemon (only its tools are needed)"
		as_root postfix stop >/dev/null 2>&1 || true
	fi
}

# petrel_build [cmake args...] — configure and build into build/.
petrel_build() {
	local jobs
	jobs="$(nproc 2>/dev/null || echo 2)"
	cmake -S "$PETREL_ROOT" -B "$PETREL_ROOT/build" "$@" || die "cmake configure failed"
	cmake --build "$PETREL_ROOT/build" -j "$jobs" || die "build failed"
}
