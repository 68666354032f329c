#include "appfarmfixture.h"

#include "app/farmworkspace.h"
#include "app/messagelistmodel.h"
#include "app/panesession.h"
#include "launcher/executablelocator.h"
#include "launcher/farmnode.h"
#include "launcher/managedprocess.h"
#include "launcher/portprobe.h"
#include "launcher/redisinstance.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFileInfo>
#include <QRandomGenerator>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

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
    // Below the kernel's ephemeral range (32768 and up on Linux): a port
    // found free there can still be taken by any outgoing connection (another
    // test's client) before the farm binds it.
    constexpr int kFirst = 20000, kEphemeral = 32768;
    for (int attempt = 0; attempt < 200; ++attempt) {
        const auto base = quint16(QRandomGenerator::global()->bounded(kFirst, kEphemeral - count));
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

bool launchOnFreePorts(FarmWorkspace &workspace, int nodes)
{
    const quint16 base = freePortRun(nodes);
    if (base == 0)
        return false;
    workspace.setNodes(nodes);
    workspace.setBasePort(base);
    workspace.launch(workspace.farmConfig());
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < 20000 && !allPanesConnected(workspace, nodes))
        QTest::qWait(50);
    return allPanesConnected(workspace, nodes);
}

QSet<int> panesReached(FarmWorkspace &workspace, int from, const QString &text, int panes, int ms,
    int settleMs, const QString &room)
{
    QString id;
    QHash<QString, QSet<int>> reached; // message id -> panes it reached
    QObject context;
    QObject::connect(&workspace, &FarmWorkspace::messageSent, &context,
        [&](int pane, const QString &messageId, const QString &) {
            if (pane == from)
                id = messageId;
        });
    QObject::connect(&workspace, &FarmWorkspace::messageSeen, &context,
        [&](int, int at, Via, bool, const QString &messageId) { reached[messageId].insert(at); });
    if (!workspace.sendFrom(from, text, room))
        return {};
    const auto done = [&] {
        return !id.isEmpty()
            && (settleMs > 0 ? reached.value(id).contains(from)
                             : reached.value(id).size() >= panes);
    };
    QElapsedTimer clock;
    clock.start();
    while (clock.elapsed() < ms && !done())
        QTest::qWait(20);
    if (settleMs > 0 && done())
        QTest::qWait(settleMs);
    return reached.value(id);
}

bool paneHasText(FarmWorkspace &workspace, int pane, const QString &text)
{
    MessageListModel &model = workspace.pane(pane)->messages();
    model.flush();
    for (int row = 0; row < model.rowCount(); ++row) {
        if (model.index(row).data(MessageListModel::TextRole).toString() == text)
            return true;
    }
    return false;
}

QString stopFarmLeavingNothing(FarmWorkspace &workspace)
{
    const QList<qint64> pids = farmPids(workspace.supervisor());
    workspace.stop();
    QElapsedTimer clock;
    clock.start();
    const auto anyLeft = [&] {
        for (const qint64 pid : pids) {
            if (processAlive(pid))
                return pid;
        }
        return qint64(0);
    };
    while (clock.elapsed() < 15000
        && (workspace.supervisor().state() != FarmState::Stopped || anyLeft() != 0))
        QTest::qWait(20);
    if (workspace.supervisor().state() != FarmState::Stopped)
        return QStringLiteral("the farm did not stop in 15 s");
    if (const qint64 pid = anyLeft())
        return QStringLiteral("process %1 outlived the farm").arg(pid);
    return {};
}

} // namespace farmchat::test
