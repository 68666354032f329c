#include "appfarmfixture.h"

#include "app/farmworkspace.h"
#include "app/panesession.h"
#include "launcher/executablelocator.h"
#include "launcher/farmnode.h"
#include "launcher/managedprocess.h"
#include "launcher/portprobe.h"
#include "launcher/redisinstance.h"

#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QSettings>
#include <QTemporaryDir>

namespace farmchat::test {

QString farmPrerequisites()
{
    const QString node = qEnvironmentVariable("FARMCHAT_NODE_BIN");
    if (node.isEmpty() || !QFileInfo(node).isExecutable())
        return QStringLiteral(
            "FARMCHAT_NODE_BIN ('%1') is not an executable farmchat-node; run through ctest")
            .arg(node);
    const auto redis = ExecutableLocator::redisServer({});
    if (!redis)
        return redis.error();
    return {};
}

quint16 freePortRun(int count)
{
    for (int attempt = 0; attempt < 200; ++attempt) {
        const auto base = quint16(QRandomGenerator::global()->bounded(20000, 60000));
        QList<quint16> ports;
        for (int i = 0; i < count; ++i)
            ports << quint16(base + i);
        if (PortProbe::check(ports).isEmpty())
            return base;
    }
    return 0;
}

std::unique_ptr<QSettings> scratchSettings(const QTemporaryDir &dir)
{
    return std::make_unique<QSettings>(
        dir.filePath(QStringLiteral("farmchat.ini")), QSettings::IniFormat);
}

QList<qint64> farmPids(const FarmSupervisor &farm)
{
    QList<qint64> pids;
    for (int i = 0; i < farm.processCount(); ++i) {
        if (const qint64 pid = farm.process(i)->pid(); pid > 0)
            pids << pid;
    }
    return pids;
}

bool processAlive(qint64 pid)
{
    QFile stat(QStringLiteral("/proc/%1/stat").arg(pid));
    if (!stat.open(QIODevice::ReadOnly))
        return false;
    // "pid (comm) S ...": a zombie has exited already.
    const QByteArray line = stat.readAll();
    const qsizetype close = line.lastIndexOf(')');
    return close < 0 || line.mid(close + 2, 1) != "Z";
}

bool allPanesConnected(FarmWorkspace &workspace, int panes)
{
    if (workspace.paneCount() != panes)
        return false;
    for (int i = 0; i < panes; ++i) {
        if (workspace.pane(i)->state() != HubConnection::State::Connected)
            return false;
    }
    return true;
}

} // namespace farmchat::test
