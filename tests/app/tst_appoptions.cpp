// farmchat's command line: flags override settings, bad input is a usage error (exit 2).
#include "app/appoptions.h"
#include "app/appsettings.h"

#include <QTest>

using namespace farmchat;

class tst_AppOptions : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void valid_data();
    void valid();
    void invalid_data();
    void invalid();
    void helpAndVersion();
    void commandLineWins();
};

void tst_AppOptions::valid_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<int>("nodes"); // -1: not given
    QTest::addColumn<int>("basePort"); // -1: not given
    QTest::addColumn<int>("mode"); // -1: not given
    QTest::addColumn<bool>("autostart");
    QTest::addRow("nothing") << QStringList {} << -1 << -1 << -1 << false;
    QTest::addRow("all") << QStringList {"--nodes", "3", "--base-port", "9100", "--backplane",
        "pubsub", "--autostart"}
                         << 3 << 9100 << int(BackplaneMode::PubSub) << true;
    QTest::addRow("equals form") << QStringList {"--nodes=8", "--backplane=streams"} << 8 << -1
                                 << int(BackplaneMode::Streams) << false;
    QTest::addRow("pub-sub spelling") << QStringList {"--backplane", "Pub-Sub"} << -1 << -1
                                      << int(BackplaneMode::PubSub) << false;
    QTest::addRow("one node, top port")
        << QStringList {"--nodes", "1", "--base-port", "65535"} << 1 << 65535 << -1 << false;
}

void tst_AppOptions::valid()
{
    QFETCH(QStringList, arguments);
    QFETCH(int, nodes);
    QFETCH(int, basePort);
    QFETCH(int, mode);
    QFETCH(bool, autostart);
    const AppOptionsParse parsed = AppOptions::parse(arguments);
    QVERIFY2(parsed.options, qPrintable(parsed.error));
    QCOMPARE(parsed.options->nodes.value_or(-1), nodes);
    QCOMPARE(parsed.options->basePort ? int(*parsed.options->basePort) : -1, basePort);
    QCOMPARE(parsed.options->backplane ? int(*parsed.options->backplane) : -1, mode);
    QCOMPARE(parsed.options->autostart, autostart);
}

void tst_AppOptions::invalid_data()
{
    QTest::addColumn<QStringList>("arguments");
    QTest::addColumn<QString>("mentions");
    QTest::addRow("zero nodes") << QStringList {"--nodes", "0"} << "--nodes";
    QTest::addRow("nine nodes") << QStringList {"--nodes", "9"} << "1 to 8";
    QTest::addRow("nodes not a number") << QStringList {"--nodes", "two"} << "two";
    QTest::addRow("port too big") << QStringList {"--base-port", "70000"} << "--base-port";
    QTest::addRow("privileged port") << QStringList {"--base-port", "80"} << "1024";
    QTest::addRow("unknown mode") << QStringList {"--backplane", "kafka"} << "--backplane";
    QTest::addRow("unknown option") << QStringList {"--bogus"} << "bogus";
    QTest::addRow("positional") << QStringList {"extra"} << "extra";
    QTest::addRow("missing value") << QStringList {"--nodes"} << "nodes";
}

void tst_AppOptions::invalid()
{
    QFETCH(QStringList, arguments);
    QFETCH(QString, mentions);
    const AppOptionsParse parsed = AppOptions::parse(arguments);
    QVERIFY(!parsed.options);
    QCOMPARE(parsed.exitCode, 2);
    QVERIFY2(parsed.error.contains(mentions), qPrintable(parsed.error));
}

void tst_AppOptions::helpAndVersion()
{
    const AppOptionsParse help = AppOptions::parse({QStringLiteral("--help")});
    QVERIFY(!help.options);
    QCOMPARE(help.exitCode, 0);
    for (const char *flag : {"--nodes", "--base-port", "--backplane", "--autostart", "--version"})
        QVERIFY2(help.output.contains(QLatin1String(flag)), flag);
    const AppOptionsParse version = AppOptions::parse({QStringLiteral("--version")});
    QVERIFY(!version.options);
    QCOMPARE(version.exitCode, 0);
    QCOMPARE(version.output, QStringLiteral("farmchat 0.1.0\n"));
}

void tst_AppOptions::commandLineWins()
{
    AppSettings s;
    s.nodes = 4;
    s.basePort = 9200;
    AppOptions options;
    options.nodes = 3;
    options.backplane = BackplaneMode::PubSub;
    options.applyTo(s);
    QCOMPARE(s.nodes, 3);
    QCOMPARE(s.basePort, quint16(9200)); // not given: the remembered one stays
    QCOMPARE(s.backplane, BackplaneMode::PubSub);
}

QTEST_GUILESS_MAIN(tst_AppOptions)
#include "tst_appoptions.moc"
