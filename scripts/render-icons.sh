#!/usr/bin/env bash
# Regenerates the committed app icons from their SVG sources:
#   resources/icons/farmchat.svg     -> png/farmchat-{24..512}.png
#   resources/icons/farmchat-16.svg  -> png/farmchat-16.png (pixel-aligned variant)
#   all PNGs                         -> farmchat.ico (Windows), farmchat.icns (macOS)
# The build never runs this; run it after editing an SVG and commit the output.
# Needs: rsvg-convert (librsvg2-bin), convert (imagemagick), png2icns (icnsutils).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
icons="$here/resources/icons"

missing=()
for tool in rsvg-convert convert png2icns; do
  command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "render-icons.sh: missing ${missing[*]}; on Debian: apt-get install librsvg2-bin imagemagick icnsutils" >&2
  exit 1
fi

sizes=(16 24 32 48 64 128 256 512)
mkdir -p "$icons/png"
for size in "${sizes[@]}"; do
  source_svg="$icons/farmchat.svg"
  [ "$size" = 16 ] && source_svg="$icons/farmchat-16.svg"
  rsvg-convert --width "$size" --height "$size" --format png "$source_svg" \
    --output "$icons/png/farmchat-$size.png"
done

# -strip keeps the output byte-identical between runs (no timestamps).
convert "$icons"/png/farmchat-{16,24,32,48,64,128,256}.png -strip "$icons/farmchat.ico"
png2icns "$icons/farmchat.icns" "$icons"/png/farmchat-{16,32,48,128,256,512}.png >/dev/null

echo "render-icons.sh: wrote ${#sizes[@]} PNGs, farmchat.ico and farmchat.icns in $icons"
