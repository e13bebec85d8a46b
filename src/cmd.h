/*
 * cmd.h: subcommands that live outside main.c. Each takes the loaded
 * configuration and the arguments after its name, and returns the process's
 * exit status (0 ok, 1 runtime error, 2 bad usage or configuration).
 */
#ifndef JY_CMD_H
#define JY_CMD_H

#include "config/config.h"

#define CMD_EXIT_RUNTIME 1
#define CMD_EXIT_USAGE 2
#define CMD_EXIT_REFUSED 3 /* the person acting lacks the right */

struct store;
struct actor;
/* The person acting on st: the Unix login (or $JINGYU_USER where the
 * configuration allows it) mapped to a person. When need (role bits) is
 * not 0, refuses with a message on stderr unless the person has one of
 * them. Returns 0 or an exit status. */
int cmd_actor(const struct config *cfg, struct store *st, const char *name, unsigned need,
              struct actor *out);

int cmd_analyze(const struct config *cfg, int argc, char **argv);
int cmd_scheme(const struct config *cfg, int argc, char **argv);
int cmd_train(const struct config *cfg, int argc, char **argv);
/* train --grading-labels (cmd_grading.c) */
int cmd_train_grading(const struct config *cfg, int argc, char **argv);
int cmd_incident(const struct config *cfg, int argc, char **argv);
int cmd_people(const struct config *cfg, int argc, char **argv);
int cmd_audit(const struct config *cfg, int argc, char **argv);
int cmd_kpi(const struct config *cfg, int argc, char **argv);
int cmd_duty(const struct config *cfg, int argc, char **argv);
int cmd_handover(const struct config *cfg, int argc, char **argv);
int cmd_notify(const struct config *cfg, int argc, char **argv);
int cmd_directory(const struct config *cfg, int argc, char **argv);
int cmd_silence(const struct config *cfg, int argc, char **argv);
/* cmd_db.c: db stats|vacuum|archive, search */
int cmd_db(const struct config *cfg, int argc, char **argv);
int cmd_search(const struct config *cfg, int argc, char **argv);

#endif
