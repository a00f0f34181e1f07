package dev.kimicode2api;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

@SpringBootApplication
@ConfigurationPropertiesScan
public class Kimicode2ApiApplication {

	public static void main(String[] args) {
		SpringApplication.run(Kimicode2ApiApplication.class, args);
	}

}
