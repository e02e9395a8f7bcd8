from lienthong.services.dossiers.server import main

main()
