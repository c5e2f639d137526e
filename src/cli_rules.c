/*
 * cli_rules.c - which rules file a run uses, and loading it.
 *
 * --rules FILE, else SMTPDIAG_RULES, else $XDG_CONFIG_HOME/smtpdiag/rules
 * ($HOME/.config when XDG_CONFIG_HOME is unset or not absolute). A file the
 * user named must exist; the default one may be absent.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The default file's path in buf, or NULL when there is no home to look in. */
static const char *default_path(char *buf, size_t cap)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	int n;
	if (xdg && xdg[0] == '/')
		n = snprintf(buf, cap, "%s/smtpdiag/rules", xdg);
	else if (home && home[0])
		n = snprintf(buf, cap, "%s/.config/smtpdiag/rules", home);
	else
		return NULL;
	return n > 0 && (size_t)n < cap ? buf : NULL;
}

int rules_choice(const char *path, struct smtpdiag_rules **rules)
{
	char def[4096], err[4096];
	int named = 1;

	*rules = NULL;
	if (!path && (path = getenv("SMTPDIAG_RULES")) && !*path)
		path = NULL;
	if (!path) {
		named = 0;
		if (!(path = default_path(def, sizeof def)))
			return 0;
	}
	FILE *fp = fopen(path, "rb");
	if (!fp) {
		if (!named && errno == ENOENT)
			return 0;
		warnx("%s: %s", path, strerror(errno));
		return EXIT_NOINPUT;
	}
	size_t len;
	char *buf = read_all(fp, &len);
	fclose(fp);
	if (!buf) {
		warnx("%s: %s", path, strerror(errno));
		return EXIT_IOERR;
	}
	int e = smtpdiag_rules_load(rules, path, buf, len, err, sizeof err);
	free(buf);
	if (e == SMTPDIAG_ESYNTAX) {
		fprintf(stderr, "%s\n", err);
		return EXIT_USAGE;
	}
	if (e < 0) {
		warnx("%s: %s", path, smtpdiag_strerror(e));
		return EXIT_SOFTWARE;
	}
	return 0;
}
