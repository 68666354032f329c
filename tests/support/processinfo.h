#pragma once

#include <QByteArray>
#include <QHostAddress>
#include <QList>

#include <optional>

namespace farmchat::test {

// What the OS tells about a running process, for tests that check memory,
// CPU, open files, argv, environment and listening sockets of real children.
// Linux reads /proc; elsewhere every answer is empty or -1, and tests using it
// are marked Linux-only.
namespace processinfo {

struct ListeningSocket
{
    QHostAddress address;
    quint16 port = 0;
};

bool isSupported();
bool isRunning(qint64 pid); // exists and is not a zombie
qint64 residentKb(qint64 pid); // VmRSS
qint64 peakResidentKb(qint64 pid); // VmHWM: the most it ever held
double cpuSeconds(qint64 pid); // user + system time so far
int openFileCount(qint64 pid);
// TCP_NODELAY of this process's socket from local port `local` to peer port
// `peer`; nullopt when there is no such socket or the platform cannot tell.
std::optional<bool> tcpNoDelayOf(quint16 localPort, quint16 peerPort);
QList<qint64> childPids(qint64 pid); // direct children
QByteArray commandLine(qint64 pid); // argv, NUL-separated
QByteArray environment(qint64 pid); // NAME=value entries, NUL-separated
QByteArray environmentValue(qint64 pid, const QByteArray &name);
QList<ListeningSocket> listeningSockets(qint64 pid); // TCP, IPv4 and IPv6

// Sets this process's soft RLIMIT_NOFILE (capped at the hard limit), so a
// child started now inherits it, or so this test may open many sockets.
// Returns the previous soft limit, -1 when it cannot.
int setOpenFileLimit(int soft);

} // namespace processinfo
} // namespace farmchat::test
