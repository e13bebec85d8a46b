/* main.c: argument parsing and subcommands. */
#include <stdio.h>

#include "util/util.h"

int main(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    puts("jingyu " JY_VERSION);
    return 0;
}
