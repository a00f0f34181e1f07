package dev.kimicode2api.web;

import java.util.List;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.cors.reactive.CorsWebFilter;
import org.springframework.web.cors.reactive.UrlBasedCorsConfigurationSource;

import dev.kimicode2api.KimicodeProperties;

/**
 * CORS for browser chat UIs on every path, gateway routes and local endpoints alike. A web filter rather than the
 * gateway's globalcors, so a preflight is answered before routing (the routes match only their real method).
 */
@Configuration(proxyBeanMethods = false)
public class CorsConfiguration {

	@Bean
	CorsWebFilter corsWebFilter(KimicodeProperties properties) {
		KimicodeProperties.Cors cors = properties.cors();
		org.springframework.web.cors.CorsConfiguration config = new org.springframework.web.cors.CorsConfiguration();
		// "*" and exact origins are origins; "https://*.example.com" is a pattern (echoed back when it matches).
		config.setAllowedOrigins(cors.allowedOrigins().stream().filter(o -> o.equals("*") || !o.contains("*")).toList());
		config.setAllowedOriginPatterns(cors.allowedOrigins().stream().filter(o -> !o.equals("*") && o.contains("*")).toList());
		config.setAllowedMethods(List.of("GET", "POST", "OPTIONS"));
		config.setAllowedHeaders(cors.allowedHeaders());
		config.setExposedHeaders(cors.exposedHeaders());
		config.setAllowCredentials(false);
		config.setMaxAge(cors.maxAgeSeconds());
		UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
		source.registerCorsConfiguration("/**", config);
		return new CorsWebFilter(source);
	}

}
