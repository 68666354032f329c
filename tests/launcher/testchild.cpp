// A scriptable child process for the launcher's tests: each flag is one step,
// run in order, so a test can make a child that prints, reads its stdin,
// ignores SIGTERM, sleeps, crashes or exits with a given code — on every OS,
// without depending on a shell.
//
//   --print TEXT     a line on stdout          --stderr TEXT   a line on stderr
//   --partial TEXT   TEXT without a newline    --echo-stdin    "stdin: LINE" per stdin line until
//   EOF
//   --ignore-term    ignore SIGTERM            --sleep MS      sleep (-1: until killed)
//   --abort          die by SIGABRT            --exit N        exit with status N
//   --pid-file PATH  write the pid there
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>

#ifdef _WIN32
#include <process.h>
#define getpid _getpid
#else
#include <unistd.h>
#endif

int main(int argc, char **argv)
{
    std::signal(SIGTERM, SIG_DFL);
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        const std::string value = i + 1 < argc ? argv[i + 1] : "";
        if (flag == "--print") {
            std::cout << value << std::endl;
            ++i;
        } else if (flag == "--stderr") {
            std::cerr << value << std::endl;
            ++i;
        } else if (flag == "--partial") {
            std::cout << value << std::flush;
            ++i;
        } else if (flag == "--echo-stdin") {
            std::string line;
            while (std::getline(std::cin, line))
                std::cout << "stdin: " << line << std::endl;
        } else if (flag == "--ignore-term") {
            std::signal(SIGTERM, SIG_IGN);
            std::cout << "ignoring SIGTERM" << std::endl;
        } else if (flag == "--sleep") {
            const long ms = std::atol(value.c_str());
            if (ms < 0) {
                for (;;)
                    std::this_thread::sleep_for(std::chrono::seconds(1));
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(ms));
            ++i;
        } else if (flag == "--abort") {
            std::abort();
        } else if (flag == "--exit") {
            return std::atoi(value.c_str());
        } else if (flag == "--pid-file") {
            std::ofstream(value) << getpid() << std::endl;
            ++i;
        } else {
            std::cerr << "testchild: unknown flag " << flag << std::endl;
            return 64;
        }
    }
    return 0;
}
