/*
 * error.h - cuenv's error codes.
 *
 * Fallible functions return 0 or a negative code: either -errno or -CUE_E*.
 * CUE_E* start at 1024, above errno's range (as apk does), so one int carries
 * both. cue_strerror() turns either into text; cue_exit_code() maps a code to
 * the exit status of DESIGN.md.
 */
#ifndef CUENV_ERROR_H
#define CUENV_ERROR_H

/* X(name, exit status, message) */
#define CUE_ERRORS(X) \
	X(CUE_EUSAGE, 2, "usage error") \
	X(CUE_ESPEC, 2, "invalid version spec") \
	X(CUE_ENOMATCH, 3, "nothing matches the spec") \
	X(CUE_EPLATFORM, 3, "no archives for this platform") \
	X(CUE_ENOTINSTALLED, 3, "not installed") \
	X(CUE_EMANIFEST, 4, "invalid manifest") \
	X(CUE_ESOURCE, 4, "source error") \
	X(CUE_ENETWORK, 4, "network error") \
	X(CUE_EHTTP, 4, "HTTP error") \
	X(CUE_ECHECKSUM, 5, "checksum mismatch") \
	X(CUE_ESIZE, 5, "size mismatch") \
	X(CUE_EUNSAFEPATH, 5, "unsafe path") \
	X(CUE_EARCHIVE, 5, "corrupt archive") \
	X(CUE_EDATA, 1, "invalid data file")

enum cue_error {
	CUE_EBASE = 1023,
#define CUE_ENUM(name, code, msg) name,
	CUE_ERRORS(CUE_ENUM)
#undef CUE_ENUM
	CUE_EMAX
};

/* Returns a static message for rc (negative or positive); never NULL. */
const char *cue_strerror(int rc);
/* Exit status for a failing rc: 2, 3, 4, 5, or 1 for everything else. */
int cue_exit_code(int rc);

#endif
