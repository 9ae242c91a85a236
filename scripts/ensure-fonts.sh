# Sourced by ./osms and ./run-tests: installs the Debian package fonts-dejavu-core (DejaVu Sans has
# the Kazakh letters the payments room's PDF act is drawn with) when it is missing and apt-get is
# usable; otherwise says so once (OSMS_PDF_FONT_DIR can point to a folder with the TTF files).
if [ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] && [ -z "${OSMS_PDF_FONT_DIR:-}" ] && command -v apt-get >/dev/null 2>&1; then
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo -n"
  echo "installing fonts-dejavu-core for the PDF act..." >&2
  ($sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq fonts-dejavu-core) >/dev/null 2>&1 \
    || echo "could not install fonts-dejavu-core: the PDF act needs it (or OSMS_PDF_FONT_DIR)" >&2
fi
