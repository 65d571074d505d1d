using Ltc.Cli;

return LtcApp.Run(args);
