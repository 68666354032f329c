#include "platform/terminal.h"

#include <QTest>

using namespace farmchat;

class tst_Terminal : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void colourOnlyWhenEnabled();
    void noColourEnvironment();
};

void tst_Terminal::colourOnlyWhenEnabled()
{
    QCOMPARE(colourise(QStringLiteral("node-9090"), 33, false), QStringLiteral("node-9090"));
    QCOMPARE(colourise(QStringLiteral("node-9090"), 33, true),
        QStringLiteral("\x1b[38;5;33mnode-9090\x1b[0m"));
}

void tst_Terminal::noColourEnvironment()
{
    // ctest captures output, so this is never a terminal; NO_COLOR must win anyway.
    qputenv("NO_COLOR", "1");
    QVERIFY(!supportsColour(stdout));
    qunsetenv("NO_COLOR");
    QVERIFY(!supportsColour(stdout));
}

QTEST_GUILESS_MAIN(tst_Terminal)
#include "tst_terminal.moc"
