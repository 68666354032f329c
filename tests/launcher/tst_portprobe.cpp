#include "launcher/portprobe.h"

#include <QCoreApplication>
#include <QTcpServer>
#include <QTest>

using namespace farmchat;

class tst_PortProbe : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void freePortPasses();
    void takenPortIsNamedWithItsOwner();
    void listReportsOnlyTakenPorts();
    void portZeroIsRefused();
    void pickFreeGivesDistinctBindablePorts();
    void pickFreeAvoids();
};

void tst_PortProbe::freePortPasses()
{
    const QList<quint16> ports = PortProbe::pickFree(1);
    QCOMPARE(ports.size(), 1);
    const Result<void> free = PortProbe::check(ports.first());
    QVERIFY2(free.ok(), qPrintable(free.error()));
}

void tst_PortProbe::takenPortIsNamedWithItsOwner()
{
    QTcpServer listener;
    QVERIFY(listener.listen(QHostAddress::LocalHost, 0));
    const quint16 port = listener.serverPort();
    const Result<void> taken = PortProbe::check(port);
    QVERIFY(!taken.ok());
    const QString problem = taken.error();
    QVERIFY2(
        problem.startsWith(QStringLiteral("port %1 is in use").arg(port)), qPrintable(problem));
#ifdef Q_OS_LINUX
    // The OS tells who holds it: this very test.
    QVERIFY2(problem.contains(QStringLiteral("pid %1").arg(QCoreApplication::applicationPid())),
        qPrintable(problem));
#endif
    // A listener on every interface blocks the loopback port too.
    QTcpServer wildcard;
    QVERIFY(wildcard.listen(QHostAddress::AnyIPv4, 0));
    const Result<void> blocked = PortProbe::check(wildcard.serverPort());
    QVERIFY(!blocked.ok());
    QVERIFY(!blocked.error().isEmpty());
}

void tst_PortProbe::listReportsOnlyTakenPorts()
{
    QTcpServer listener;
    QVERIFY(listener.listen(QHostAddress::LocalHost, 0));
    const QList<quint16> free = PortProbe::pickFree(2, {listener.serverPort()});
    QCOMPARE(free.size(), 2);
    const QStringList problems
        = PortProbe::check(QList<quint16> {free[0], listener.serverPort(), free[1]});
    QCOMPARE(problems.size(), 1);
    QVERIFY(problems.first().contains(QString::number(listener.serverPort())));
    QVERIFY(PortProbe::check(free).isEmpty());
}

void tst_PortProbe::portZeroIsRefused()
{
    const Result<void> zero = PortProbe::check(quint16(0));
    QVERIFY(!zero.ok());
    QVERIFY(!zero.error().isEmpty());
}

void tst_PortProbe::pickFreeGivesDistinctBindablePorts()
{
    const QList<quint16> ports = PortProbe::pickFree(16);
    QCOMPARE(ports.size(), 16);
    for (qsizetype i = 0; i < ports.size(); ++i) {
        // Below the ephemeral range, where no outgoing connection takes it
        // before the farm binds it (this machine has that range free).
        QVERIFY2(ports[i] >= 20000 && ports[i] < 32768, qPrintable(QString::number(ports[i])));
        QCOMPARE(ports.indexOf(ports[i]), i);
        QTcpServer server;
        QVERIFY2(
            server.listen(QHostAddress::LocalHost, ports[i]), qPrintable(server.errorString()));
    }
}

void tst_PortProbe::pickFreeAvoids()
{
    const QList<quint16> first = PortProbe::pickFree(8);
    const QList<quint16> second = PortProbe::pickFree(8, first);
    QCOMPARE(second.size(), 8);
    for (const quint16 port : second)
        QVERIFY(!first.contains(port));
}

QTEST_GUILESS_MAIN(tst_PortProbe)
#include "tst_portprobe.moc"
