# SPDX-License-Identifier: Apache-2.0
# Shared by deploy/quickstart.sh, tests/run.sh and bench/run.sh: package
# installation on Debian 12 and small helpers. Source it; do not run it.

# The Debian 12 packages fluxaudit needs to build, test and run.
FA_PACKAGES=(build-essential cmake pkg-config libxml2-dev libpq-dev libssl-dev
	libyaml-dev libknot-dev libmaxminddb-dev libcmocka-dev postgresql postgresql-client
	libxml2-utils util-linux ca-certificates)

fa_say() {
	printf '==> %s\n' "$*" >&2
}

fa_die() {
	printf '%s: %s\n' "${0##*/}" "$*" >&2
	exit 1
}

# Install whatever of FA_PACKAGES (plus any extra names given) is missing.
# Runs apt-get only when something is missing, so a second run is quick.
fa_install_packages() {
	local missing=() p
	for p in "${FA_PACKAGES[@]}" "$@"; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
			missing+=("$p")
		fi
	done
	if [ ${#missing[@]} -eq 0 ]; then
		return 0
	fi
	if [ "$(id -u)" -ne 0 ]; then
		fa_die "missing packages: ${missing[*]} (run as root, or install them first)"
	fi
	fa_say "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || fa_die "apt-get update failed"
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
		fa_die "apt-get install ${missing[*]} failed"
}
