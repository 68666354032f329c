// PortCheck without a display: a taken port is named with its owner, several
// are summed up, ports past 65535 are refused, the verdict arrives through
// the event loop (the probe runs off the calling thread), edits and the
// periodic recheck find changes by themselves, and an inactive check (the
// farm runs) reports nothing.
#include "app/portcheck.h"

#include <QCoreApplication>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTest>

#include <memory>
#include <vector>

using namespace farmchat;

namespace {

// `count` consecutive loopback ports, all held by listeners in `held`; the first port, or 0.
quint16 holdRun(int count, std::vector<std::unique_ptr<QTcpServer>> &held)
{
    for (int attempt = 0; attempt < 50; ++attempt) {
        held.clear();
        auto first = std::make_unique<QTcpServer>();
        if (!first->listen(QHostAddress::LocalHost, 0))
            return 0;
        const quint16 base = first->serverPort();
        held.push_back(std::move(first));
        for (int i = 1; i < count && int(base) + i <= 65535; ++i) {
            auto next = std::make_unique<QTcpServer>();
            if (!next->listen(QHostAddress::LocalHost, quint16(base + i)))
                break;
            held.push_back(std::move(next));
        }
        if (int(held.size()) == count)
            return base;
    }
    return 0;
}

} // namespace

class tst_PortCheck : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void takenPortIsNamedWithItsOwner();
    void verdictArrivesThroughTheEventLoop();
    void severalTakenPortsAreSummedUp();
    void portsPast65535AreRefused();
    void editIsCheckedByItself();
    void recheckFindsAPortTakenLater();
    void inactiveReportsNothing();
};

void tst_PortCheck::takenPortIsNamedWithItsOwner()
{
    QTcpServer squatter;
    QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
    const quint16 port = squatter.serverPort();
    PortCheck check;
    check.setActive(true);
    check.setPorts(port, 1);
    check.checkNow();
    QTRY_VERIFY_WITH_TIMEOUT(!check.problem().isEmpty(), 5000);
    QVERIFY2(check.problem().startsWith(QStringLiteral("port %1 is in use").arg(port)),
        qPrintable(check.problem()));
#ifdef Q_OS_LINUX
    QVERIFY2(
        check.problem().contains(QStringLiteral("pid %1").arg(QCoreApplication::applicationPid())),
        qPrintable(check.problem()));
#endif
    // Freed: the next check clears it.
    QSignalSpy changed(&check, &PortCheck::problemChanged);
    squatter.close();
    check.checkNow();
    QTRY_COMPARE_WITH_TIMEOUT(changed.count(), 1, 5000);
    QCOMPARE(changed.first().first().toString(), QString());
    QCOMPARE(check.problem(), QString());
}

void tst_PortCheck::verdictArrivesThroughTheEventLoop()
{
    QTcpServer squatter;
    QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
    PortCheck check;
    check.setActive(true);
    check.setPorts(squatter.serverPort(), 1);
    QSignalSpy changed(&check, &PortCheck::problemChanged);
    check.checkNow();
    // The caller (the GUI thread) does not wait for the probe.
    QCOMPARE(changed.count(), 0);
    QCOMPARE(check.problem(), QString());
    QTRY_COMPARE_WITH_TIMEOUT(changed.count(), 1, 5000);
    QCOMPARE(changed.first().first().toString(), check.problem());
}

void tst_PortCheck::severalTakenPortsAreSummedUp()
{
    std::vector<std::unique_ptr<QTcpServer>> held;
    const quint16 base = holdRun(3, held);
    QVERIFY2(base != 0, "no run of 3 free ports found");
    PortCheck check;
    check.setActive(true);
    check.setPorts(base, 3);
    check.checkNow();
    QTRY_VERIFY_WITH_TIMEOUT(!check.problem().isEmpty(), 5000);
    QVERIFY2(check.problem().startsWith(QStringLiteral("port %1 is in use").arg(base)),
        qPrintable(check.problem()));
    QVERIFY2(check.problem().endsWith(QStringLiteral("(and 2 more)")), qPrintable(check.problem()));
}

void tst_PortCheck::portsPast65535AreRefused()
{
    PortCheck check;
    check.setActive(true);
    check.setPorts(65535, 3);
    check.checkNow();
    QCOMPARE(
        check.problem(), QStringLiteral("ports 65535–65537 do not exist; lower the base port"));
}

void tst_PortCheck::editIsCheckedByItself()
{
    QTcpServer squatter;
    QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
    PortCheck check;
    check.setActive(true);
    QSignalSpy changed(&check, &PortCheck::problemChanged);
    check.setPorts(squatter.serverPort(), 1); // no checkNow(): the edit schedules one
    QTRY_COMPARE_WITH_TIMEOUT(changed.count(), 1, 5000);
    QVERIFY(check.problem().contains(QString::number(squatter.serverPort())));
}

void tst_PortCheck::recheckFindsAPortTakenLater()
{
    auto first = std::make_unique<QTcpServer>();
    QVERIFY(first->listen(QHostAddress::LocalHost, 0));
    const quint16 port = first->serverPort();
    PortCheck check;
    check.setActive(true);
    check.setPorts(port, 1);
    QTRY_VERIFY_WITH_TIMEOUT(!check.problem().isEmpty(), 5000);
    first.reset();
    check.checkNow();
    QTRY_COMPARE_WITH_TIMEOUT(check.problem(), QString(), 5000);
    // Taken again with no edit and no checkNow(): the periodic recheck finds it.
    QSignalSpy changed(&check, &PortCheck::problemChanged);
    QTcpServer squatter;
    QVERIFY(squatter.listen(QHostAddress::LocalHost, port));
    QTRY_COMPARE_WITH_TIMEOUT(changed.count(), 1, PortCheck::kRecheckMs + 5000);
    QVERIFY2(check.problem().startsWith(QStringLiteral("port %1 is in use").arg(port)),
        qPrintable(check.problem()));
}

void tst_PortCheck::inactiveReportsNothing()
{
    QTcpServer squatter;
    QVERIFY(squatter.listen(QHostAddress::LocalHost, 0));
    PortCheck check;
    QVERIFY(!check.isActive());
    check.setPorts(squatter.serverPort(), 1);
    check.setActive(true);
    QTRY_VERIFY_WITH_TIMEOUT(!check.problem().isEmpty(), 5000);
    // The farm runs: its ports are its own, so there is no problem to show.
    QSignalSpy changed(&check, &PortCheck::problemChanged);
    check.setActive(false);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(check.problem(), QString());
    // Stopped again: checked again by itself.
    check.setActive(true);
    QTRY_VERIFY_WITH_TIMEOUT(!check.problem().isEmpty(), 5000);
}

QTEST_GUILESS_MAIN(tst_PortCheck)
#include "tst_portcheck.moc"
