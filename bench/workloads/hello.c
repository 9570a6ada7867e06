/* Start-up: the whole process for a program that prints one line. */
#include <stdio.h>

int main(void) {
  printf("hello, world\n");
  return 0;
}
