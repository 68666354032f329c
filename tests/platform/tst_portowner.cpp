#include "platform/portowner.h"

#include <QCoreApplication>
#include <QTcpServer>
#include <QTest>

using namespace farmchat;

class tst_PortOwner : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void namesTheListener();
    void freePortHasNoOwner();
};

void tst_PortOwner::namesTheListener()
{
    QTcpServer server;
    QVERIFY(server.listen(QHostAddress::LocalHost, 0));
    const QString owner = describePortOwner(server.serverPort());
#ifdef Q_OS_LINUX
    const QString expected = QStringLiteral("pid %1").arg(QCoreApplication::applicationPid());
    QVERIFY2(owner.startsWith(expected), qPrintable(owner));
    QVERIFY2(owner.contains(QStringLiteral("tst_portowner")), qPrintable(owner));
#else
    Q_UNUSED(owner); // other systems do not tell; the caller names the port alone
#endif
}

void tst_PortOwner::freePortHasNoOwner()
{
    quint16 port = 0;
    {
        QTcpServer server;
        QVERIFY(server.listen(QHostAddress::LocalHost, 0));
        port = server.serverPort();
    }
    QCOMPARE(describePortOwner(port), QString());
}

QTEST_GUILESS_MAIN(tst_PortOwner)
#include "tst_portowner.moc"
