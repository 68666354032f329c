#include "tests/support/processinfo.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSet>
#include <QtEndian>

#include <climits>

#ifdef Q_OS_UNIX
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#endif

namespace farmchat::test::processinfo {

namespace {

QByteArray readProcFile(qint64 pid, const char *name)
{
    QFile file(QStringLiteral("/proc/%1/%2").arg(pid).arg(QLatin1String(name)));
    if (!file.open(QIODevice::ReadOnly))
        return {};
    return file.readAll();
}

// /proc/net/tcp{,6} print each 32-bit word of the address as the number it is
// in memory, where the bytes are in network order.
QHostAddress parseProcAddress(const QByteArray &hex)
{
    if (hex.size() != 8 && hex.size() != 32)
        return {};
    quint8 bytes[16] = {};
    for (int word = 0; word < hex.size() / 8; ++word)
        qToUnaligned(quint32(hex.mid(word * 8, 8).toUInt(nullptr, 16)), bytes + word * 4);
    if (hex.size() == 8)
        return QHostAddress(qFromBigEndian<quint32>(bytes));
    return QHostAddress(bytes);
}

} // namespace

bool isSupported()
{
#ifdef Q_OS_LINUX
    return true;
#else
    return false;
#endif
}

qint64 residentKb(qint64 pid)
{
    static const QRegularExpression rss(QStringLiteral("VmRSS:\\s+(\\d+) kB"));
    const auto match = rss.match(QString::fromLatin1(readProcFile(pid, "status")));
    return match.hasMatch() ? match.captured(1).toLongLong() : -1;
}

bool isRunning(qint64 pid)
{
    if (pid <= 0)
        return false;
    const QByteArray stat = readProcFile(pid, "stat");
    if (stat.isEmpty())
        return false;
    // "pid (comm) S ...": a zombie has exited already, it is only not reaped yet.
    const qsizetype close = stat.lastIndexOf(')');
    return close < 0 || stat.mid(close + 2, 1) != "Z";
}

qint64 peakResidentKb(qint64 pid)
{
    static const QRegularExpression hwm(QStringLiteral("VmHWM:\\s+(\\d+) kB"));
    const auto match = hwm.match(QString::fromLatin1(readProcFile(pid, "status")));
    return match.hasMatch() ? match.captured(1).toLongLong() : -1;
}

double cpuSeconds(qint64 pid)
{
#ifdef Q_OS_LINUX
    const QByteArray stat = readProcFile(pid, "stat");
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
    if (fields.size() < 13)
        return -1;
    const double ticks = double(sysconf(_SC_CLK_TCK));
    return (fields[11].toDouble() + fields[12].toDouble()) / ticks; // utime, stime
#else
    Q_UNUSED(pid);
    return -1;
#endif
}

int openFileCount(qint64 pid)
{
    const QDir fds(QStringLiteral("/proc/%1/fd").arg(pid));
    return fds.exists()
        ? int(fds.entryList(QDir::NoDotAndDotDot | QDir::AllEntries | QDir::System).size())
        : -1;
}

QList<qint64> childPids(qint64 pid)
{
    QList<qint64> children;
    const QStringList entries = QDir(QStringLiteral("/proc")).entryList(QDir::Dirs);
    for (const QString &entry : entries) {
        bool ok = false;
        const qint64 candidate = entry.toLongLong(&ok);
        if (!ok)
            continue;
        const QByteArray stat = readProcFile(candidate, "stat");
        const QList<QByteArray> fields = stat.mid(stat.lastIndexOf(')') + 2).split(' ');
        if (fields.size() > 1 && fields[1].toLongLong() == pid)
            children << candidate;
    }
    return children;
}

QByteArray commandLine(qint64 pid)
{
    return readProcFile(pid, "cmdline");
}

QByteArray environment(qint64 pid)
{
    return readProcFile(pid, "environ");
}

QByteArray environmentValue(qint64 pid, const QByteArray &name)
{
    for (const QByteArray &entry : environment(pid).split('\0')) {
        if (entry.startsWith(QByteArray(name + '=')))
            return entry.mid(name.size() + 1);
    }
    return {};
}

QList<ListeningSocket> listeningSockets(qint64 pid)
{
    QSet<QByteArray> inodes;
    const QDir fds(QStringLiteral("/proc/%1/fd").arg(pid));
    for (const QFileInfo &fd :
        fds.entryInfoList(QDir::NoDotAndDotDot | QDir::AllEntries | QDir::System)) {
        const QString target = fd.symLinkTarget().isEmpty() ? QFile::symLinkTarget(fd.filePath())
                                                            : fd.symLinkTarget();
        // symLinkTarget() makes "socket:[123]" absolute; keep only the inode.
        static const QRegularExpression socket(QStringLiteral("socket:\\[(\\d+)\\]"));
        const auto match = socket.match(target);
        if (match.hasMatch())
            inodes.insert(match.captured(1).toLatin1());
    }
    QList<ListeningSocket> sockets;
    for (const char *table : {"net/tcp", "net/tcp6"}) {
        const QList<QByteArray> lines = readProcFile(pid, table).split('\n');
        for (qsizetype i = 1; i < lines.size(); ++i) {
            const QList<QByteArray> f = lines[i].simplified().split(' ');
            // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode
            if (f.size() < 10 || f[3] != "0A" || !inodes.contains(f[9]))
                continue;
            const QList<QByteArray> local = f[1].split(':');
            if (local.size() != 2)
                continue;
            sockets.append({parseProcAddress(local[0]), quint16(local[1].toUInt(nullptr, 16))});
        }
    }
    return sockets;
}

int setOpenFileLimit(int soft)
{
#ifdef Q_OS_UNIX
    rlimit limit {};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0)
        return -1;
    const int previous = limit.rlim_cur == RLIM_INFINITY ? INT_MAX : int(limit.rlim_cur);
    limit.rlim_cur = qMin<rlim_t>(rlim_t(soft), limit.rlim_max);
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0)
        return -1;
    return previous;
#else
    Q_UNUSED(soft);
    return -1;
#endif
}

std::optional<bool> tcpNoDelayOf(quint16 localPort, quint16 peerPort)
{
#ifdef Q_OS_UNIX
    const auto portOf = [](const sockaddr_storage &address) -> quint16 {
        if (address.ss_family == AF_INET)
            return ntohs(reinterpret_cast<const sockaddr_in &>(address).sin_port);
        if (address.ss_family == AF_INET6)
            return ntohs(reinterpret_cast<const sockaddr_in6 &>(address).sin6_port);
        return 0;
    };
    for (int fd = 0; fd < 4096; ++fd) {
        sockaddr_storage mine {}, theirs {};
        socklen_t mineSize = sizeof mine, theirsSize = sizeof theirs;
        if (::getsockname(fd, reinterpret_cast<sockaddr *>(&mine), &mineSize) != 0
            || ::getpeername(fd, reinterpret_cast<sockaddr *>(&theirs), &theirsSize) != 0)
            continue;
        if (portOf(mine) != localPort || portOf(theirs) != peerPort)
            continue;
        int value = 0;
        socklen_t size = sizeof value;
        if (::getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &value, &size) != 0)
            return std::nullopt;
        return value != 0;
    }
#else
    Q_UNUSED(localPort);
    Q_UNUSED(peerPort);
#endif
    return std::nullopt;
}

} // namespace farmchat::test::processinfo
