#!/bin/sh
# Regenerates po/cauris.pot from the sources listed in po/POTFILES and
# merges it into each po/<lang>.po (new messages come in untranslated,
# marked fuzzy when gettext guesses). Run from the repository's root after
# changing a translated string, then translate what msgfmt --statistics
# reports as untranslated or fuzzy. The Makefile compiles the .po files.
set -e
cd "$(dirname "$0")/.."
xgettext --from-code=UTF-8 --language=C --keyword=_ --keyword=N_ \
  --keyword=i18n_ntr:1,2 --add-comments=TRANSLATORS: --package-name=cauris \
  --msgid-bugs-address=cauris --sort-by-file --no-wrap -o po/cauris.pot -f po/POTFILES
for po in po/*.po; do
  msgmerge --quiet --no-wrap --update --backup=none "$po" po/cauris.pot
  printf '%s: ' "$po"
  msgfmt --check --statistics -o /dev/null "$po" 2>&1
done
