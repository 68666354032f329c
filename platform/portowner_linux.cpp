#include "platform/portowner.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>

namespace farmchat {

namespace {

// Socket inodes listening on `port`, from /proc/net/tcp and tcp6 (state 0A = LISTEN).
QList<QByteArray> listeningInodes(quint16 port)
{
    QList<QByteArray> inodes;
    for (const char *table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
        QFile file(QString::fromLatin1(table));
        if (!file.open(QIODevice::ReadOnly))
            continue;
        file.readLine(); // header
        while (!file.atEnd()) {
            const QList<QByteArray> fields = file.readLine().simplified().split(' ');
            if (fields.size() < 10 || fields[3] != "0A")
                continue;
            const QByteArray &local = fields[1];
            const qsizetype colon = local.lastIndexOf(':');
            bool ok = false;
            if (colon > 0 && local.mid(colon + 1).toUInt(&ok, 16) == port && ok)
                inodes.append(fields[9]);
        }
    }
    return inodes;
}

} // namespace

QString describePortOwner(quint16 port)
{
    const QList<QByteArray> inodes = listeningInodes(port);
    if (inodes.isEmpty())
        return {};
    const QDir proc(QStringLiteral("/proc"));
    const QStringList pids = proc.entryList(QDir::Dirs | QDir::NoDotAndDotDot);
    for (const QString &pid : pids) {
        bool numeric = false;
        pid.toInt(&numeric);
        if (!numeric)
            continue;
        const QDir fds(QStringLiteral("/proc/%1/fd").arg(pid));
        const QStringList entries
            = fds.entryList(QDir::Files | QDir::System | QDir::NoDotAndDotDot);
        for (const QString &fd : entries) {
            const QString target = QFileInfo(fds.filePath(fd)).symLinkTarget();
            for (const QByteArray &inode : inodes) {
                if (target.endsWith(
                        QStringLiteral("socket:[%1]").arg(QString::fromLatin1(inode)))) {
                    QFile comm(QStringLiteral("/proc/%1/comm").arg(pid));
                    const QString name = comm.open(QIODevice::ReadOnly)
                        ? QString::fromLocal8Bit(comm.readAll()).trimmed()
                        : QString();
                    return name.isEmpty() ? QStringLiteral("pid %1").arg(pid)
                                          : QStringLiteral("pid %1 (%2)").arg(pid, name);
                }
            }
        }
    }
    return {};
}

} // namespace farmchat
